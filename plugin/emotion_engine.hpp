// The element's engine, kept apart from the GObject glue: model and detector ownership, their
// loading off the streaming thread, and the per-frame work.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gst/video/video.h>

#include "fer/classifier.hpp"
#include "fer/errors.hpp"
#include "fer/face_detector.hpp"
#include "fer/frame_analyzer.hpp"
#include "frame_access.hpp"

namespace feremotion {

struct EngineSettings {
  std::string model, labels, device = "cpu";
  fer::Precision precision = fer::Precision::Auto;
  bool allow_torchscript = false;
  fer::DetectorOptions detector;
  fer::AnalyzerSettings analyzer;
  bool overlay = true;
  // A negative analyzer.margin, and align where this is true, come from the model's training crop.
  bool align_from_model = true;
};

// What the background loads report, from the loader thread (the functions are copied there: they
// must not own what they point at; start()'s `owner` keeps that alive instead).
struct EngineEvents {
  std::function<void(const fer::ModelError&)> model_failed;
  std::function<void(const fer::ModelInfo&)> model_loaded;
  // The detector of these options failed to load; the one in use stays.
  std::function<void(const fer::ModelError&, const fer::DetectorOptions&)> detector_failed;
  std::function<void(const std::string& description)> detector_loaded;
};

struct FrameResults {
  std::vector<fer::FaceResult> faces;
  std::shared_ptr<fer::Classifier> model;  // the model that produced them (for class names)
};

class EmotionEngine {
 public:
  ~EmotionEngine();

  // Loads model and detector now; throws fer::ModelError (or std::exception) with the core's message.
  // `owner` (the element's reference on itself) is held until stop() has joined the loader thread.
  void start(const EngineSettings& s, EngineEvents events, std::shared_ptr<void> owner);
  // Refuses further loads, waits for a load and a classification under way, drops all state.
  void stop();
  bool started() const;

  // Queues a new model (the newest request wins) and returns at once; the loader thread swaps
  // it in when ready, or reports the error and keeps the old one. False once stopped.
  bool request_model(const EngineSettings& s);

  // How frames of the negotiated caps are read and painted (the element's set_info; streaming thread).
  void set_format(const GstVideoInfo& info);

  // Detect, track, classify, smooth; draws the overlay when asked. A detector other than the one
  // in use loads in the background (frames keep the old one meanwhile). Throws on engine errors.
  FrameResults process(GstVideoFrame* frame, const EngineSettings& s);

  std::shared_ptr<fer::Classifier> model() const;
  // What finds the faces, for the log ("yunet (oneDNN, bf16)"); empty before start().
  std::string detector_name() const;

 private:
  void use_detector(const fer::DetectorOptions& wanted);
  void start_loader_locked();
  void run_loader();

  mutable std::mutex mutex_;  // guards everything below up to the streaming-thread state
  std::condition_variable wake_;
  bool running_ = false;  // between start() and stop(): loads are accepted
  EngineEvents events_;
  std::shared_ptr<void> owner_;
  std::shared_ptr<fer::Classifier> model_;
  std::optional<EngineSettings> model_job_;
  std::optional<fer::DetectorOptions> detector_job_, detector_failed_;
  std::unique_ptr<fer::FaceDetector> detector_ready_;  // loaded, waiting for the next frame
  fer::DetectorOptions detector_ready_opts_;
  std::string detector_name_;
  std::thread loader_;

  // Streaming-thread state (process() only; start/stop run when no frame flows).
  std::unique_ptr<fer::FaceDetector> detector_;
  fer::DetectorOptions detector_opts_;
  fer::FrameAnalyzer analyzer_;
  cv::Mat grey_scratch_, bgr_scratch_, mask_;
  FrameFormat format_;
};

// The same detector: nothing to load.
bool same_detector(const fer::DetectorOptions& a, const fer::DetectorOptions& b);

}  // namespace feremotion
