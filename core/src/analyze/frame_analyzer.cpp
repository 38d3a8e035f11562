#include "fer/frame_analyzer.hpp"

#include <algorithm>

namespace fer {

void FrameAnalyzer::reset() {
  tracker_.reset();
  frame_ = 0;
}

std::vector<FaceResult> FrameAnalyzer::process(FaceDetector& detector, const Classifier& classifier,
                                               const cv::Mat& detect_on, const CropFn& crop,
                                               const AnalyzerSettings& s) {
  const int64_t frame = frame_++;
  if (classifier.num_classes() != num_classes_) {  // a new model: old probabilities mean nothing
    tracker_.reset();
    num_classes_ = classifier.num_classes();
  }
  std::vector<Face> faces = detector.detect(detect_on);
  if (s.max_faces > 0 && faces.size() > static_cast<size_t>(s.max_faces)) {
    std::stable_sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
    faces.resize(s.max_faces);
    std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.x < b.box.x; });
  }
  std::vector<cv::Rect> boxes;
  for (const auto& f : faces) boxes.push_back(f.box);
  const std::vector<size_t> track_of = tracker_.update(boxes, frame);
  auto& tracks = tracker_.tracks();

  // Batch the crops of every face due for classification.
  std::vector<size_t> due;
  std::vector<cv::Mat> crops;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Track& t = tracks[track_of[i]];
    if (t.classified_at >= 0 && frame - t.classified_at < std::max(1, s.interval)) continue;
    const cv::Rect r = face_crop_rect(boxes[i], detect_on.size(), s.margin);
    if (r.area() == 0) continue;
    due.push_back(i);
    crops.push_back(crop(r));
  }
  const auto probs = classifier.classify(crops);
  for (size_t k = 0; k < due.size(); ++k) {
    Track& t = tracks[track_of[due[k]]];
    smooth_into(t.probs, probs[k], s.smoothing);
    t.classified_at = frame;
  }

  std::vector<FaceResult> out;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Track& t = tracks[track_of[i]];
    if (t.probs.empty()) continue;  // a face too small to crop
    FaceResult r;
    r.box = boxes[i];
    r.track_id = t.id;
    r.probs = t.probs;
    r.label_id = argmax(t.probs);
    r.confidence = t.probs[r.label_id];
    r.fresh = t.classified_at == frame;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fer
