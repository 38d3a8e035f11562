// The element's engine, kept apart from the GObject glue: model and detector ownership,
// asynchronous model swaps, and the per-frame work.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gst/video/video.h>

#include "fer/classifier.hpp"
#include "fer/face_detector.hpp"
#include "fer/frame_analyzer.hpp"

namespace feremotion {

struct EngineSettings {
  std::string model, labels, device = "cpu", precision = "auto";
  fer::DetectorOptions detector;
  fer::AnalyzerSettings analyzer;
  bool overlay = true;
  // A negative analyzer.margin, and align where this is true, come from the model's training crop.
  bool align_from_model = true;
};

// A detector that cannot be made from the settings (missing or unloadable file).
struct DetectorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct FrameResults {
  std::vector<fer::FaceResult> faces;
  std::shared_ptr<fer::Classifier> model;  // the model that produced them (for class names)
};

class EmotionEngine {
 public:
  ~EmotionEngine();

  // Loads model and detector now; throws std::exception with the core's message.
  void start(const EngineSettings& s);
  // Waits for a model load under way, drops state.
  void stop();
  bool started() const;

  // Loads a new model off the streaming thread and swaps it in when ready; on failure
  // the old model stays and on_error gets the message.
  void load_model_async(const EngineSettings& s, std::function<void(const std::string&)> on_error,
                        std::function<void(const fer::ModelInfo&)> on_loaded);

  // Detect, track, classify, smooth; draws the overlay when asked. Throws on engine errors,
  // DetectorError where the detector settings changed to ones that cannot be loaded.
  FrameResults process(GstVideoFrame* frame, const EngineSettings& s);

  std::shared_ptr<fer::Classifier> model() const;
  // What finds the faces, for the log ("yunet (oneDNN, bf16)"); empty before start().
  std::string detector_name() const;

 private:
  void ensure_detector(const fer::DetectorOptions& o);

  mutable std::mutex mutex_;  // guards model_ and loader_
  std::shared_ptr<fer::Classifier> model_;
  std::thread loader_;

  std::unique_ptr<fer::FaceDetector> detector_;
  fer::DetectorOptions detector_opts_;
  fer::FrameAnalyzer analyzer_;
  cv::Mat grey_scratch_, bgr_scratch_, mask_;
};

}  // namespace feremotion
