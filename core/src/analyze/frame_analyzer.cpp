#include "fer/frame_analyzer.hpp"

#include <algorithm>
#include <stdexcept>

#include "fer/face_crop.hpp"

namespace fer {

void FrameAnalyzer::reset() {
  tracker_.reset();
  frame_ = 0;
  model_id_ = 0;
  ++generation_;
}

void FrameAnalyzer::stop() {
  async_.stop();
  reset();
}

std::vector<FaceResult> FrameAnalyzer::process(FaceDetector& detector, const std::shared_ptr<const Classifier>& classifier,
                                               const cv::Mat& detect_on, const CropFn& crop,
                                               const AnalyzerSettings& s) {
  const int64_t frame = frame_++;
  if (classifier->id() != model_id_) {
    // Another model: the old one's probabilities mean nothing to it (its classes may be the same
    // names in another order). A batch still in flight for the old one is dropped when it lands.
    tracker_.reset();
    model_id_ = classifier->id();
    ++generation_;
  }
  std::vector<Face> faces;
  std::vector<size_t> track_of;
  if (s.detect_interval <= 1 || frame % s.detect_interval == 0) {
    faces = detector.detect(detect_on);
    if (s.max_faces > 0 && faces.size() > static_cast<size_t>(s.max_faces)) {
      std::stable_sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
      faces.resize(s.max_faces);
      std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.x < b.box.x; });
    }
    std::vector<cv::Rect> detected;
    for (const auto& f : faces) detected.push_back(f.box);
    track_of = tracker_.update(detected, frame);
    for (size_t i = 0; i < faces.size(); ++i) tracker_.tracks()[track_of[i]].last_face = faces[i];
  } else {
    for (auto& [track, face] : tracker_.predict(frame, detect_on.size())) {
      // Found again near its predicted place, the face gets a true box; else it keeps moving.
      if (auto found = detector.find_near(detect_on, face.box)) {
        face = std::move(*found);
        tracker_.refresh(track, face, frame);
      }
      track_of.push_back(track);
      faces.push_back(std::move(face));
    }
  }
  std::vector<cv::Rect> boxes;
  for (const auto& f : faces) boxes.push_back(f.box);
  auto& tracks = tracker_.tracks();

  // A finished background batch joins the faces that are still here.
  std::vector<int> fresh_ids;
  if (auto done = async_.take(); done && done->tag == generation_) {
    if (!done->error.empty()) throw std::runtime_error(done->error);
    for (size_t k = 0; k < done->track_ids.size(); ++k)
      for (auto& t : tracks)
        if (t.id == done->track_ids[k]) {
          smooth_into(t.probs, done->probs[k], s.smoothing);
          fresh_ids.push_back(t.id);
        }
  }
  const bool submit = s.async && async_.idle();

  // Batch the crops of every face due for classification.
  std::vector<size_t> due;
  std::vector<cv::Mat> crops;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Track& t = tracks[track_of[i]];
    if (t.classified_at >= 0 && frame - t.classified_at < std::max(1, s.interval)) continue;
    if (s.async && !submit) continue;  // the worker is busy: this face waits for the next turn
    const CropRule rule{s.margin, s.align};
    const cv::Rect r = crop_source_rect(faces[i], detect_on.size(), rule);
    if (r.area() == 0) continue;
    due.push_back(i);
    crops.push_back(cut_face(crop(r), r, faces[i], rule));
  }
  if (s.async) {
    if (!due.empty()) {
      std::vector<int> ids;
      for (size_t i : due) {
        ids.push_back(tracks[track_of[i]].id);
        tracks[track_of[i]].classified_at = frame;
      }
      async_.submit(classifier, std::move(ids), std::move(crops), generation_, s.tta);
    }
  } else {
    const auto probs = classifier->classify(crops, s.tta);
    for (size_t k = 0; k < due.size(); ++k) {
      Track& t = tracks[track_of[due[k]]];
      smooth_into(t.probs, probs[k], s.smoothing);
      t.classified_at = frame;
      fresh_ids.push_back(t.id);
    }
  }

  std::vector<FaceResult> out;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Track& t = tracks[track_of[i]];
    if (t.probs.empty()) continue;  // a face too small to crop
    FaceResult r;
    r.box = boxes[i] & cv::Rect(0, 0, detect_on.cols, detect_on.rows);  // metas carry unsigned coordinates
    r.track_id = t.id;
    r.probs = t.probs;
    r.label_id = argmax(t.probs);
    r.confidence = t.probs[r.label_id];
    r.fresh = std::find(fresh_ids.begin(), fresh_ids.end(), t.id) != fresh_ids.end();
    r.landmarks = faces[i].landmarks;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fer
