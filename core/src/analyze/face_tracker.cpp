#include "fer/face_tracker.hpp"

#include "fer/geometry.hpp"

#include <algorithm>
#include <tuple>

namespace fer {

namespace {

// Velocity from where the track was last seen to where it is now.
void move_to(Track& t, const cv::Rect& box, int64_t frame) {
  if (t.seen_at < frame && t.box.area() > 0) t.velocity = cv::Point2f(box.tl() - t.box.tl()) / float(frame - t.seen_at);
  t.box = box;
  t.seen_at = frame;
}

}  // namespace

std::vector<size_t> FaceTracker::update(const std::vector<cv::Rect>& boxes, int64_t frame) {
  last_update_ = frame;
  std::vector<std::tuple<double, size_t, size_t>> pairs;  // (iou, box, track)
  for (size_t b = 0; b < boxes.size(); ++b)
    for (size_t t = 0; t < tracks_.size(); ++t)
      if (double v = iou(boxes[b], tracks_[t].box); v >= min_iou) pairs.emplace_back(v, b, t);
  std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });

  const size_t none = static_cast<size_t>(-1);
  std::vector<size_t> of_box(boxes.size(), none);
  std::vector<bool> taken(tracks_.size(), false);
  for (const auto& [v, b, t] : pairs) {
    if (of_box[b] != none || taken[t]) continue;
    of_box[b] = t;
    taken[t] = true;
  }
  for (size_t b = 0; b < boxes.size(); ++b) {
    if (of_box[b] == none) {
      of_box[b] = tracks_.size();
      Track t;
      t.id = next_id_++;
      t.box = boxes[b];
      t.seen_at = frame;
      tracks_.push_back(std::move(t));
    }
    move_to(tracks_[of_box[b]], boxes[b], frame);
  }
  // Drop stale tracks, keeping the indices handed out above valid.
  std::vector<Track> kept;
  std::vector<size_t> new_index(tracks_.size(), none);
  for (size_t t = 0; t < tracks_.size(); ++t) {
    if (frame - tracks_[t].seen_at <= max_missed) {
      new_index[t] = kept.size();
      kept.push_back(std::move(tracks_[t]));
    }
  }
  tracks_ = std::move(kept);
  for (auto& i : of_box) i = new_index[i];
  return of_box;
}

void FaceTracker::refresh(size_t track, const Face& face, int64_t frame) {
  move_to(tracks_[track], face.box, frame);
  tracks_[track].last_face = face;
}

std::vector<std::pair<size_t, Face>> FaceTracker::predict(int64_t frame, const cv::Size& bounds) const {
  std::vector<std::pair<size_t, Face>> out;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const Track& t = tracks_[i];
    if (t.seen_at < last_update_) continue;  // only what the last full detection saw
    Face f = t.last_face;
    const cv::Point shift(cvRound(t.velocity.x * (frame - t.seen_at)), cvRound(t.velocity.y * (frame - t.seen_at)));
    f.box = (t.box + shift) & cv::Rect(0, 0, bounds.width, bounds.height);
    for (auto& p : f.landmarks) p += cv::Point2f(shift);
    if (f.box.area() > 0) out.emplace_back(i, f);
  }
  return out;
}

void smooth_into(std::vector<float>& state, const std::vector<float>& fresh, double smoothing) {
  if (state.size() != fresh.size() || smoothing <= 0.0) {
    state = fresh;
    return;
  }
  for (size_t i = 0; i < fresh.size(); ++i)
    state[i] = static_cast<float>(smoothing * state[i] + (1.0 - smoothing) * fresh[i]);
}

}  // namespace fer
