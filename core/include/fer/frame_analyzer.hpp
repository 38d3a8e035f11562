// One frame's worth of work: faces -> tracks -> crops -> classifier -> smoothed results.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/async_classifier.hpp"
#include "fer/classifier.hpp"
#include "fer/face_detector.hpp"
#include "fer/face_tracker.hpp"

namespace fer {

struct AnalyzerSettings {
  int interval = 1;        // classify a face every Nth frame; reuse its result in between
  int detect_interval = 1;  // detect every Nth frame; in between, faces move at their tracked velocity
  double smoothing = 0.0;  // EMA factor over a face's probabilities, 0..1
  int max_faces = 0;       // 0: no limit; else the largest faces are kept
  double margin = 0.0;     // crop margin, as a fraction of the box
  bool async = false;      // classify on a worker thread; results join their faces when ready
  bool align = false;      // turn faces with landmarks so the eyes are level (fer/face_align.hpp)
  Classifier::Tta tta = Classifier::Tta::None;  // flip: average with the mirrored crop
};

struct FaceResult {
  cv::Rect box;              // detection box
  int track_id = 0;
  std::vector<float> probs;  // smoothed probabilities, one per class
  size_t label_id = 0;
  float confidence = 0.f;
  bool fresh = false;  // classified on this frame
  std::vector<cv::Point2f> landmarks;  // the detector's five points (YuNet), else empty
};

class FrameAnalyzer {
 public:
  // Cuts a BGR crop (any size) out of the frame for a rectangle inside it.
  using CropFn = std::function<cv::Mat(const cv::Rect&)>;

  // detect_on: the image the detector sees (grey or BGR) at frame size.
  std::vector<FaceResult> process(FaceDetector& detector, const std::shared_ptr<const Classifier>& classifier,
                                  const cv::Mat& detect_on,
                                  const CropFn& crop, const AnalyzerSettings& settings);
  // Forgets tracks and results (a new stream).
  void reset();
  // reset(), after waiting for the batch in flight: no classification runs once it returns.
  void stop();
  // In async mode: waits for the batch in flight (so a test sees its result on the next frame).
  void drain() { async_.wait(); }
  int64_t frame_number() const { return frame_; }

 private:
  FaceTracker tracker_;
  int64_t frame_ = 0;
  uint64_t model_id_ = 0;    // the model whose probabilities the tracks hold
  uint64_t generation_ = 0;  // counts model changes and resets: results of an earlier one are dropped
  AsyncClassifier async_;
};

}  // namespace fer
