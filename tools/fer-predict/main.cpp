// fer-predict: emotions of the faces in still images.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../common/detector_cli.hpp"
#include "fer/classifier.hpp"
#include "fer/emotion_colours.hpp"
#include "fer/errors.hpp"
#include "fer/face_crop.hpp"
#include "fer/face_detector.hpp"
#include "fer/image_file.hpp"

namespace {

struct FaceResult {
  cv::Rect box;
  std::vector<float> probs;
};

void draw(cv::Mat& img, const std::vector<FaceResult>& faces, const std::vector<std::string>& classes) {
  const double scale = std::max(0.4, img.cols / 640.0);
  for (const auto& f : faces) {
    const size_t k = fer::argmax(f.probs);
    const std::string text = classes[k] + cv::format(" %.0f%%", 100.0 * f.probs[k]);
    const fer::Rgb colour = fer::emotion_colour(classes[k], k);
    cv::rectangle(img, f.box, colour.bgr(), std::max(1, static_cast<int>(2 * scale)));
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.6 * scale, 1, &base);
    const cv::Point org(f.box.x, std::max(ts.height + 4, f.box.y - 4));
    cv::rectangle(img, org + cv::Point(0, base), org + cv::Point(ts.width, -ts.height - 2), colour.bgr(), cv::FILLED);
    cv::putText(img, text, org, cv::FONT_HERSHEY_SIMPLEX, 0.6 * scale, colour.text().bgr(), 1, cv::LINE_AA);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-predict: classify the emotion of each face in still images"};
  std::string model_path, labels, annotate_dir;
  fer::DetectorOptions det;
  bool json = false;
  int threads = 0;
  double margin = -1.0;  // < 0: the model's
  int align_flag = 0;    // +1 --align, -1 --no-align, 0: the model's
  std::vector<std::string> images;
  app.add_option("--model,-m", model_path, "model file (.pth from fer-train or fer-import, a torchvision state_dict, or TorchScript)")
      ->required();
  app.add_option("--labels", labels, "comma-separated class names, overriding the model's");
  fer::cli::add_detector_options(app, det);
  app.add_option("--margin", margin, "grow each face box by this fraction before cropping (default: the margin "
                 "the model was trained with, as fer-train records it; else 0)");
  app.add_flag("--align,!--no-align", align_flag, "turn each face so its eyes are level before classifying (needs "
               "landmarks: --detector yunet; default: as the model was trained)");
  fer::Classifier::Tta tta = fer::Classifier::Tta::None;
  app.add_option("--tta", tta, "test-time augmentation: none (default), or flip (average with the mirrored face; "
                               "twice the classifier's work)")
      ->transform(fer::cli::ttas());
  app.add_flag("--json", json, "one JSON object per image");
  app.add_option("--annotate", annotate_dir, "write copies with boxes and labels into this folder");
  app.add_option("--threads", threads, "inference threads (0: one per CPU)");
  fer::Precision precision = fer::Precision::Auto;
  app.add_option("--precision", precision, "auto (default: int8 where the file is calibrated by fer-quantize, "
                 "keeps >= 99% of its labels there and the CPU has VNNI, else bf16 where the CPU has it natively, else fp32), fp32, bf16 or int8")
      ->transform(fer::cli::precisions());
  bool allow_torchscript = false;
  app.add_flag("--allow-torchscript", allow_torchscript, "load a TorchScript model file (it can carry code: only "
               "files you trust)");
  double max_megapixels = static_cast<double>(fer::kMaxImagePixels >> 20);
  app.add_option("--max-megapixels", max_megapixels, "refuse images larger than this before decoding them (a small "
                 "file can decode to gigabytes)")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("images", images, "image files")->required();
  CLI11_PARSE(app, argc, argv);

  std::shared_ptr<fer::Classifier> model;
  std::unique_ptr<fer::FaceDetector> detector;
  try {
    fer::Classifier::set_threads(threads);
    fer::LoadOptions lo;
    lo.labels = fer::split_labels(labels);
    lo.precision = precision;
    lo.allow_torchscript = allow_torchscript;
    model = fer::Classifier::load(model_path, lo);
    if (!model->info().precision_note.empty()) std::cerr << "fer-predict: " << model->info().precision_note << "\n";
    detector = fer::make_face_detector(det);
  } catch (const std::exception& e) {
    std::cerr << "fer-predict: " << e.what() << "\n";
    return 2;
  }
  const fer::TrainingCrop& trained = model->info().crop;
  if (margin < 0) margin = trained.margin;
  const bool align = align_flag == 0 ? trained.align : align_flag > 0;
  if (const std::string warning = fer::crop_mismatch(trained, det.kind); !warning.empty())
    std::cerr << "fer-predict: warning: " << warning << " (--detector " << trained.detector << ")\n";
  if (!annotate_dir.empty()) std::filesystem::create_directories(annotate_dir);
  const auto& classes = model->info().classes;

  int failed = 0;
  for (const auto& path : images) {
    fer::ImageFile file = fer::read_image_file(path, static_cast<uint64_t>(max_megapixels * (1 << 20)));
    if (!file.error.empty()) {
      std::cerr << "fer-predict: " << file.error << "; skipped\n";
      ++failed;
      continue;
    }
    if (!file.damage.empty()) {
      std::cerr << "fer-predict: warning: " << file.damage << "\n";
      ++failed;  // labelled, but not all fine
    }
    cv::Mat& img = file.bgr;
    std::vector<FaceResult> faces;
    std::vector<cv::Mat> crops;
    const fer::CropRule rule{margin, align};
    for (const auto& f : detector->detect(img)) {
      const cv::Rect r = fer::crop_source_rect(f, img.size(), rule);
      if (r.area() == 0) continue;
      faces.push_back({fer::face_crop_rect(f.box, img.size(), margin), {}});
      crops.push_back(fer::cut_face(img(r), r, f, rule));
    }
    const auto probs = model->classify(crops, tta);
    for (size_t i = 0; i < faces.size(); ++i) faces[i].probs = probs[i];

    if (json) {
      nlohmann::json j{{"image", path}, {"faces", nlohmann::json::array()}};
      for (const auto& f : faces) {
        const size_t k = fer::argmax(f.probs);
        nlohmann::json scores;
        for (size_t c = 0; c < classes.size(); ++c) scores[classes[c]] = f.probs[c];
        j["faces"].push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}},
                              {"label", classes[k]}, {"label_id", k}, {"confidence", f.probs[k]},
                              {"scores", scores}});
      }
      std::cout << j.dump() << "\n";
    } else {
      if (faces.empty()) std::cout << path << ": no face\n";
      for (const auto& f : faces) {
        const size_t k = fer::argmax(f.probs);
        std::printf("%s: %d,%d,%dx%d %s %.4f\n", path.c_str(), f.box.x, f.box.y, f.box.width, f.box.height,
                    classes[k].c_str(), f.probs[k]);
      }
    }
    if (!annotate_dir.empty()) {
      draw(img, faces, classes);
      const auto out = std::filesystem::path(annotate_dir) / std::filesystem::path(path).filename();
      if (!cv::imwrite(out.string(), img)) {
        std::cerr << "fer-predict: cannot write '" << out.string() << "'\n";
        ++failed;
      }
    }
  }
  return failed ? 1 : 0;
}
