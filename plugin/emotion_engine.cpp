#include "emotion_engine.hpp"

#include <stdexcept>

#include "model_cache.hpp"
#include "overlay.hpp"

namespace feremotion {
namespace {

std::shared_ptr<fer::Classifier> load_model(const EngineSettings& s) {
  return acquire_model(s.model, s.device, s.labels, s.precision, s.allow_torchscript);
}

// Detectors throw fer::ModelError for their files and std::runtime_error for settings.
std::unique_ptr<fer::FaceDetector> load_detector(const fer::DetectorOptions& o) {
  try {
    return fer::make_face_detector(o);
  } catch (const fer::ModelError&) {
    throw;
  } catch (const std::exception& e) {
    throw fer::ModelError(e.what());
  }
}

}  // namespace

bool same_detector(const fer::DetectorOptions& a, const fer::DetectorOptions& b) {
  return a.kind == b.kind && a.model == b.model && a.min_face_size == b.min_face_size &&
         a.scale_factor == b.scale_factor && a.min_neighbors == b.min_neighbors &&
         a.score_threshold == b.score_threshold && a.nms_threshold == b.nms_threshold &&
         a.input_size == b.input_size && a.yunet_runtime == b.yunet_runtime;
}

EmotionEngine::~EmotionEngine() { stop(); }

void EmotionEngine::start(const EngineSettings& s, EngineEvents events, std::shared_ptr<void> owner) {
  stop();
  auto model = load_model(s);
  auto detector = load_detector(s.detector);
  analyzer_.reset();
  detector_opts_ = s.detector;
  std::lock_guard<std::mutex> lock(mutex_);
  detector_name_ = detector->describe();
  detector_ = std::move(detector);
  model_ = std::move(model);
  events_ = std::move(events);
  owner_ = std::move(owner);
  running_ = true;
}

void EmotionEngine::stop() {
  std::thread loader;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = false;
    model_job_.reset();
    detector_job_.reset();
    loader = std::move(loader_);
  }
  wake_.notify_all();
  if (loader.joinable()) {
    // From the loader thread itself (an application's sync bus handler stopping the pipeline on
    // a load warning) it cannot be joined: it sees running_ false when the handler returns and ends.
    if (loader.get_id() == std::this_thread::get_id()) loader.detach();
    else loader.join();  // a load under way finishes first: its result is dropped
  }
  analyzer_.stop();  // waits for a classification in flight, so none runs after NULL
  std::shared_ptr<void> owner;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events_ = {};
    owner = std::move(owner_);
    model_.reset();
    detector_ready_.reset();
    detector_failed_.reset();
    detector_name_.clear();
  }
  detector_.reset();
  mask_.release();
  // `owner` is released here, outside the lock.
}

bool EmotionEngine::started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

std::shared_ptr<fer::Classifier> EmotionEngine::model() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return model_;
}

std::string EmotionEngine::detector_name() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return detector_name_;
}

bool EmotionEngine::request_model(const EngineSettings& s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return false;
    model_job_ = s;
    start_loader_locked();
  }
  wake_.notify_all();
  return true;
}

void EmotionEngine::start_loader_locked() {
  if (!loader_.joinable()) loader_ = std::thread([this] { run_loader(); });
}

void EmotionEngine::run_loader() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !running_ || model_job_ || detector_job_; });
    if (!running_) return;
    const EngineEvents events = events_;
    if (auto job = std::move(model_job_)) {
      model_job_.reset();
      lock.unlock();
      std::shared_ptr<fer::Classifier> model;
      try {
        model = load_model(*job);
      } catch (const fer::ModelError& e) {
        if (events.model_failed) events.model_failed(e);
      } catch (const std::exception& e) {
        if (events.model_failed) events.model_failed(fer::ModelError("cannot load model '" + job->model + "': " + e.what()));
      }
      lock.lock();
      if (model && running_) {
        model_ = model;
        lock.unlock();
        if (events.model_loaded) events.model_loaded(model->info());
        lock.lock();
      }
    } else if (auto opts = std::move(detector_job_)) {
      detector_job_.reset();
      lock.unlock();
      std::unique_ptr<fer::FaceDetector> detector;
      std::optional<fer::ModelError> error;
      try {
        detector = load_detector(*opts);
      } catch (const fer::ModelError& e) {
        error = e;
      }
      lock.lock();
      if (!running_) return;
      if (detector) {
        detector_ready_ = std::move(detector);
        detector_ready_opts_ = *opts;
      } else {
        detector_failed_ = *opts;
        if (events.detector_failed) {
          lock.unlock();
          events.detector_failed(*error, *opts);
          lock.lock();
        }
      }
    }
  }
}

void EmotionEngine::use_detector(const fer::DetectorOptions& wanted) {
  bool wake = false;
  std::function<void(const std::string&)> loaded;
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (detector_ready_) {  // loaded in the background: in use from this frame
      detector_ = std::move(detector_ready_);
      detector_opts_ = detector_ready_opts_;
      name = detector_name_ = detector_->describe();
      loaded = events_.detector_loaded;
    }
    const bool in_use = same_detector(wanted, detector_opts_);
    const bool queued = detector_job_ && same_detector(wanted, *detector_job_);
    const bool failed = detector_failed_ && same_detector(wanted, *detector_failed_);
    if (!in_use && !queued && !failed && running_) {
      detector_job_ = wanted;
      start_loader_locked();
      wake = true;
    }
  }
  if (wake) wake_.notify_all();
  if (loaded) loaded(name);
}

void EmotionEngine::set_format(const GstVideoInfo& info) { format_ = FrameFormat(info); }

FrameResults EmotionEngine::process(GstVideoFrame* frame, const EngineSettings& s) {
  FrameResults out;
  out.model = model();
  if (!out.model) return out;
  use_detector(s.detector);

  FrameAccess access(frame, format_);
  // YuNet looks at colour; Haar at grey, which YUV frames hold as a plane already.
  const cv::Mat& detect_on = detector_opts_.kind == fer::DetectorKind::Yunet ? access.bgr(bgr_scratch_) : access.grey(grey_scratch_);
  fer::AnalyzerSettings analyzer = s.analyzer;
  const fer::TrainingCrop& trained = out.model->info().crop;
  if (analyzer.margin < 0) analyzer.margin = trained.margin;
  if (s.align_from_model) analyzer.align = trained.align;
  out.faces = analyzer_.process(*detector_, out.model, detect_on,
                                [&](const cv::Rect& r) { return access.crop_bgr(r); }, analyzer);
  // The one check behind every consumer (overlay, metas, messages, results file): a score for each
  // class and a label among them.
  const auto& classes = out.model->info().classes;
  for (const auto& f : out.faces)
    if (f.probs.size() != classes.size() || f.label_id >= classes.size())
      throw std::runtime_error("the model gave " + std::to_string(f.probs.size()) + " scores for " +
                               std::to_string(classes.size()) + " classes");

  if (s.overlay && !out.faces.empty()) {
    if (mask_.size() != access.size()) {
      mask_.create(access.size(), CV_8UC1);
      mask_.setTo(0);
    }
    const cv::Rect drawn = draw_overlay(mask_, out.faces, classes);
    std::vector<Ink> inks;
    for (const fer::Rgb& c : overlay_palette(classes)) inks.push_back(format_.ink(c.r, c.g, c.b));
    access.paint(mask_, drawn, inks);
    mask_(drawn).setTo(0);  // clear only what was drawn: no full-frame work per frame
  }
  return out;
}

}  // namespace feremotion
