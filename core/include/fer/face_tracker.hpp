// Following faces from frame to frame by their boxes, so results can be reused between
// classifications and smoothed per face.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "fer/face_detector.hpp"

namespace fer {

struct Track {
  int id = 0;
  cv::Rect box;
  std::vector<float> probs;  // smoothed class probabilities; empty until first classified
  int64_t classified_at = -1;  // frame number of the last classification
  int64_t seen_at = 0;         // frame number of the last detection
  cv::Point2f velocity;        // pixels per frame between its last two detections
  Face last_face;              // the detection itself (landmarks for alignment)
};

class FaceTracker {
 public:
  // Matches this frame's boxes to the live tracks (greedy, best IoU first, IoU >= min_iou);
  // unmatched boxes start tracks; tracks unseen for max_missed frames end.
  // Returns the index of the track of each box.
  std::vector<size_t> update(const std::vector<cv::Rect>& boxes, int64_t frame);
  std::vector<Track>& tracks() { return tracks_; }
  // Where the faces seen at the last detection should be now, moving at their velocity:
  // (track index, face) pairs.
  std::vector<std::pair<size_t, Face>> predict(int64_t frame, const cv::Size& bounds) const;
  // A tracked face found again between full detections (FaceDetector::find_near).
  void refresh(size_t track, const Face& face, int64_t frame);
  void reset() {
    tracks_.clear();
    last_update_ = -1;
  }

  double min_iou = 0.3;
  int max_missed = 10;

 private:
  std::vector<Track> tracks_;
  int next_id_ = 1;
  int64_t last_update_ = -1;  // frame of the last full detection
};

// Exponential moving average: smoothing 0 keeps only the new value, 0.9 mostly the past.
void smooth_into(std::vector<float>& state, const std::vector<float>& fresh, double smoothing);

}  // namespace fer
