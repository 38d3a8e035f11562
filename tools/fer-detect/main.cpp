// fer-detect: the faces a detector finds in still images, as JSON lines, with the time it took.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../common/detector_cli.hpp"
#include "fer/classifier.hpp"
#include "fer/face_align.hpp"
#include "fer/face_crop.hpp"
#include "fer/face_detector.hpp"

int main(int argc, char** argv) {
  CLI::App app{"fer-detect: faces in still images (one JSON object per image) and detection time"};
  fer::DetectorOptions det;
  std::string aligned_dir;
  double margin = 0.0;
  int threads = 0, repeat = 1;
  std::vector<std::string> images;
  fer::cli::add_detector_options(app, det);
  app.add_option("--threads", threads, "OpenCV and LibTorch threads (0: their defaults)");
  app.add_option("--repeat", repeat, "detect this many times per image and report the fastest (timing)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--aligned", aligned_dir, "write each face's aligned crop into this folder (<image>_<k>.png)");
  app.add_option("--margin", margin, "margin of the aligned crops")->capture_default_str();
  app.add_option("images", images, "image files")->required();
  CLI11_PARSE(app, argc, argv);

  if (threads > 0) {
    cv::setNumThreads(threads);
    fer::Classifier::set_threads(threads);  // YuNet on oneDNN runs on LibTorch's threads
  }
  std::unique_ptr<fer::FaceDetector> detector;
  try {
    detector = fer::make_face_detector(det);
  } catch (const std::exception& e) {
    std::cerr << "fer-detect: " << e.what() << "\n";
    return 2;
  }
  if (!aligned_dir.empty()) std::filesystem::create_directories(aligned_dir);

  int failed = 0;
  for (const auto& path : images) {
    const cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
    if (img.empty()) {
      std::cerr << "fer-detect: cannot read image '" << path << "' (missing or not an image); skipped\n";
      ++failed;
      continue;
    }
    std::vector<fer::Face> faces;
    double best_ms = 1e30;
    for (int k = 0; k < repeat; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      faces = detector->detect(img);
      best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    nlohmann::json j{{"image", path}, {"detector", detector->describe()}, {"width", img.cols}, {"height", img.rows}, {"ms", best_ms},
                     {"faces", nlohmann::json::array()}};
    for (size_t i = 0; i < faces.size(); ++i) {
      const auto& f = faces[i];
      nlohmann::json lm = nlohmann::json::array();
      for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
      j["faces"].push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}}, {"score", f.score},
                            {"landmarks", lm}, {"eye_angle", fer::eye_angle_degrees(f)}});
      if (!aligned_dir.empty()) {
        const auto out = std::filesystem::path(aligned_dir) /
                         (std::filesystem::path(path).stem().string() + "_" + std::to_string(i) + ".png");
        const cv::Mat crop = fer::cut_face(img, f, {margin, true});
        if (crop.empty() || !cv::imwrite(out.string(), crop)) {
          std::cerr << "fer-detect: cannot write '" << out.string() << "'\n";
          ++failed;
        }
      }
    }
    std::cout << j.dump() << "\n";
  }
  return failed ? 1 : 0;
}
