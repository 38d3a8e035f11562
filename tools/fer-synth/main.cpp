// fer-synth: drawn faces showing five emotions, as a folder-per-class data set or as a video of
// moving faces with its ground truth, so the demo and the tests need no downloaded data.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "face_painter.hpp"
#include "score.hpp"

namespace fs = std::filesystem;
using namespace fer::synth;

namespace {

int write_faces(const std::string& out, int per_class, int size, unsigned seed) {
  const auto& names = emotion_names();
  std::mt19937 rng(seed);
  for (size_t c = 0; c < names.size(); ++c) fs::create_directories(fs::path(out) / names[c]);
  cv::Mat canvas(size, size, CV_8UC3);
  for (int i = 0; i < per_class; ++i) {
    for (size_t c = 0; c < names.size(); ++c) {
      paint_background(canvas, rng);
      const float w = size * std::uniform_real_distribution<float>(0.48f, 0.6f)(rng);
      const cv::Point2f centre(size / 2.f + std::uniform_real_distribution<float>(-0.06f, 0.06f)(rng) * size,
                               size / 2.f + std::uniform_real_distribution<float>(-0.04f, 0.04f)(rng) * size);
      paint_face(canvas, centre, w, random_look(rng), expression_for(static_cast<int>(c), rng));
      finish_photo(canvas, rng);
      const auto path = fs::path(out) / names[c] / cv::format("%s_%04d.png", names[c].c_str(), i);
      if (!cv::imwrite(path.string(), canvas)) {
        std::cerr << "fer-synth: cannot write '" << path.string() << "' (is the disk full or the folder read-only?)\n";
        return 1;
      }
    }
    if ((i + 1) % 50 == 0 || i + 1 == per_class)
      std::fprintf(stderr, "\rfer-synth: %d/%d faces per class", i + 1, per_class);
  }
  std::fprintf(stderr, "\nfer-synth: %d images in %s\n", per_class * static_cast<int>(names.size()), out.c_str());
  return 0;
}

// One person walking through the scene: a lane of its own, so faces never overlap.
struct Actor {
  Look look;
  Expression ex;
  int emotion = 0;
  cv::Point2f pos, vel;
  float width = 0;
  int lane_left = 0, lane_right = 0;
};

int write_video(const std::string& out, const std::string& truth_path, int frames, int faces, cv::Size size,
                double fps, int hold_frames, unsigned seed) {
  std::mt19937 rng(seed);
  auto u = [&](float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); };
  const auto& names = emotion_names();
  cv::Mat background(size, CV_8UC3), frame;
  paint_background(background, rng);
  std::vector<Actor> actors(faces);
  for (int i = 0; i < faces; ++i) {
    Actor& a = actors[i];
    a.lane_left = size.width * i / faces;
    a.lane_right = size.width * (i + 1) / faces;
    a.look = random_look(rng);
    a.look.roll_deg *= 0.5f;
    a.width = std::min(u(0.55f, 0.75f) * (a.lane_right - a.lane_left), size.height * 0.33f);
    a.pos = {(a.lane_left + a.lane_right) / 2.f, u(0.35f, 0.65f) * size.height};
    a.vel = {u(-1.5f, 1.5f), u(-1.2f, 1.2f)};
    a.emotion = (i * 2 + static_cast<int>(seed)) % 5;
    a.ex = expression_for(a.emotion, rng);
  }
  cv::VideoWriter writer(out, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, size);
  if (!writer.isOpened()) {
    std::cerr << "fer-synth: cannot write video '" << out << "' (MJPG in AVI; check the folder exists and is writable)\n";
    return 1;
  }
  std::ofstream truth(truth_path.empty() ? out + ".truth.jsonl" : truth_path);
  for (int f = 0; f < frames; ++f) {
    frame = background.clone();
    nlohmann::json line{{"frame", f}, {"pts", static_cast<int64_t>(f * 1e9 / fps)}, {"faces", nlohmann::json::array()}};
    for (size_t i = 0; i < actors.size(); ++i) {
      Actor& a = actors[i];
      if (f > 0 && f % hold_frames == 0) {  // a new emotion every hold_frames frames
        a.emotion = (a.emotion + 1 + std::uniform_int_distribution<int>(0, 3)(rng)) % 5;
        a.ex = expression_for(a.emotion, rng);
      }
      const float half = a.width * 0.55f;
      a.pos += a.vel;
      if (a.pos.x < a.lane_left + half || a.pos.x > a.lane_right - half) a.vel.x = -a.vel.x;
      if (a.pos.y < half * 1.4f || a.pos.y > size.height - half * 1.4f) a.vel.y = -a.vel.y;
      const cv::Rect box = paint_face(frame, a.pos, a.width, a.look, a.ex);
      line["faces"].push_back({{"id", i}, {"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height},
                               {"label", names[a.emotion]}});
    }
    std::mt19937 frame_rng(seed * 7919u + static_cast<unsigned>(f));
    finish_photo(frame, frame_rng, 4.f);
    writer.write(frame);
    truth << line.dump() << "\n";
  }
  std::fprintf(stderr, "fer-synth: %d frames (%dx%d, %d faces) in %s\n", frames, size.width, size.height, faces,
               out.c_str());
  return truth ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-synth: drawn faces showing Anger, Fear, Happy, Neutral and Sad"};
  app.require_subcommand(1);
  unsigned seed = 1;
  app.add_option("--seed", seed, "random seed (the same seed draws the same faces)")->capture_default_str();

  auto* faces_cmd = app.add_subcommand("faces", "a folder-per-class data set: OUT/<Class>/*.png");
  std::string faces_out;
  int per_class = 200, image_size = 160;
  faces_cmd->add_option("--out", faces_out, "output folder")->required();
  faces_cmd->add_option("--per-class", per_class, "images per class")->check(CLI::Range(1, 100000))->capture_default_str();
  faces_cmd->add_option("--size", image_size, "image side in pixels")->check(CLI::Range(64, 2048))->capture_default_str();

  auto* video_cmd = app.add_subcommand("video", "an MJPEG AVI of faces moving about, and its ground truth as JSON lines");
  std::string video_out, truth;
  int frames = 150, faces = 3, width = 640, height = 480, hold = 45;
  double fps = 30;
  video_cmd->add_option("--out", video_out, "output .avi")->required();
  video_cmd->add_option("--truth", truth, "ground truth, one JSON object a frame (default: OUT.truth.jsonl)");
  video_cmd->add_option("--frames", frames, "frames")->check(CLI::Range(1, 1000000))->capture_default_str();
  video_cmd->add_option("--faces", faces, "faces in every frame")->check(CLI::Range(1, 6))->capture_default_str();
  video_cmd->add_option("--width", width, "frame width")->check(CLI::Range(160, 3840))->capture_default_str();
  video_cmd->add_option("--height", height, "frame height")->check(CLI::Range(120, 2160))->capture_default_str();
  video_cmd->add_option("--fps", fps, "frames per second")->check(CLI::Range(1.0, 240.0))->capture_default_str();
  video_cmd->add_option("--hold", hold, "frames a face keeps one emotion")->check(CLI::Range(1, 100000))
      ->capture_default_str();
  auto* score_cmd = app.add_subcommand("score", "compare feremotion's results-file with a video's ground truth");
  std::string score_truth, score_results_path;
  double min_iou = 0.5;
  bool score_json = false;
  score_cmd->add_option("--truth", score_truth, "the video's .truth.jsonl")->required();
  score_cmd->add_option("--results", score_results_path, "feremotion results-file (JSON lines)")->required();
  score_cmd->add_option("--iou", min_iou, "overlap that makes a match")->check(CLI::Range(0.1, 1.0))->capture_default_str();
  score_cmd->add_flag("--json", score_json, "print one JSON object");
  CLI11_PARSE(app, argc, argv);

  if (*score_cmd) {
    try {
      const Score s = score_results(score_truth, score_results_path, min_iou);
      if (score_json)
        std::printf("%s\n", nlohmann::json{{"frames", s.frames}, {"faces", s.truth_faces}, {"found", s.found},
                                            {"false_faces", s.false_faces}, {"labelled_right", s.labelled_right},
                                            {"recall", s.recall()}, {"precision", s.precision()},
                                            {"label_accuracy", s.label_accuracy()}}.dump().c_str());
      else
        std::printf("%d frames: faces found %d/%d (recall %.3f, precision %.3f); labels right on %d/%d found (%.3f)\n",
                    s.frames, s.found, s.truth_faces, s.recall(), s.precision(), s.labelled_right, s.found,
                    s.label_accuracy());
    } catch (const std::exception& e) {
      std::cerr << "fer-synth: " << e.what() << "\n";
      return 2;
    }
    return 0;
  }
  if (*faces_cmd) return write_faces(faces_out, per_class, image_size, seed);
  return write_video(video_out, truth, frames, faces, {width, height}, fps, hold, seed);
}
