#include "emotion_engine.hpp"

#include "frame_access.hpp"
#include "model_cache.hpp"
#include "overlay.hpp"

namespace feremotion {
namespace {

bool same_detector(const fer::DetectorOptions& a, const fer::DetectorOptions& b) {
  return a.kind == b.kind && a.model == b.model && a.min_face_size == b.min_face_size &&
         a.scale_factor == b.scale_factor && a.min_neighbors == b.min_neighbors &&
         a.score_threshold == b.score_threshold && a.nms_threshold == b.nms_threshold &&
         a.input_size == b.input_size && a.yunet_runtime == b.yunet_runtime;
}

// Green boxes, white text on black: legible on any background.
const Palette kPalette{cv::Vec3b{0, 0, 0}, cv::Vec3b{0, 230, 64}, cv::Vec3b{0, 0, 0}, cv::Vec3b{255, 255, 255}};

}  // namespace

EmotionEngine::~EmotionEngine() { stop(); }

void EmotionEngine::start(const EngineSettings& s) {
  stop();
  auto model = acquire_model(s.model, s.device, s.labels, s.precision);
  detector_ = fer::make_face_detector(s.detector);
  detector_opts_ = s.detector;
  analyzer_.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  model_ = std::move(model);
}

void EmotionEngine::stop() {
  std::thread loader;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loader = std::move(loader_);
  }
  if (loader.joinable()) loader.join();
  std::lock_guard<std::mutex> lock(mutex_);
  model_.reset();
  detector_.reset();
  mask_.release();
}

bool EmotionEngine::started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return model_ != nullptr;
}

std::shared_ptr<fer::Classifier> EmotionEngine::model() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return model_;
}

void EmotionEngine::load_model_async(const EngineSettings& s, std::function<void(const std::string&)> on_error,
                                     std::function<void(const fer::ModelInfo&)> on_loaded) {
  std::thread previous;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    previous = std::move(loader_);
  }
  if (previous.joinable()) previous.join();  // one load at a time, newest last
  std::thread t([this, s, on_error, on_loaded] {
    try {
      auto model = acquire_model(s.model, s.device, s.labels, s.precision);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        model_ = model;
      }
      on_loaded(model->info());
    } catch (const std::exception& e) {
      on_error(e.what());
    }
  });
  std::lock_guard<std::mutex> lock(mutex_);
  loader_ = std::move(t);
}

std::string EmotionEngine::detector_name() const { return detector_ ? detector_->describe() : std::string(); }

void EmotionEngine::ensure_detector(const fer::DetectorOptions& o) {
  if (detector_ && same_detector(o, detector_opts_)) return;
  try {
    detector_ = fer::make_face_detector(o);
  } catch (const std::exception& e) {
    detector_.reset();
    throw DetectorError(e.what());
  }
  detector_opts_ = o;
}

FrameResults EmotionEngine::process(GstVideoFrame* frame, const EngineSettings& s) {
  FrameResults out;
  out.model = model();
  if (!out.model) return out;
  ensure_detector(s.detector);

  FrameAccess access(frame);
  // YuNet looks at colour; Haar at grey, which YUV frames hold as a plane already.
  const cv::Mat& detect_on = s.detector.kind == "yunet" ? access.bgr(bgr_scratch_) : access.grey(grey_scratch_);
  fer::AnalyzerSettings analyzer = s.analyzer;
  const fer::TrainingCrop& trained = out.model->info().crop;
  if (analyzer.margin < 0) analyzer.margin = trained.margin;
  if (s.align_from_model) analyzer.align = trained.align;
  out.faces = analyzer_.process(*detector_, out.model, detect_on,
                                [&](const cv::Rect& r) { return access.crop_bgr(r); }, analyzer);

  if (s.overlay && !out.faces.empty()) {
    if (mask_.size() != access.size()) mask_ = cv::Mat::zeros(access.size(), CV_8UC1);
    const cv::Rect drawn = draw_overlay(mask_, out.faces, out.model->info().classes);
    access.paint(mask_, drawn, kPalette);
    mask_(drawn).setTo(0);  // clear only what was drawn: no full-frame work per frame
  }
  return out;
}

}  // namespace feremotion
