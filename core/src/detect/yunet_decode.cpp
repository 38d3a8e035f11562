#include "detect/yunet_decode.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/dnn.hpp>

namespace fer::detail {

void decode_yunet_level(const YunetLevel& l, cv::Size input, float score_threshold,
                        std::vector<YunetCandidate>& out) {
  const int cols = input.width / l.stride, rows = input.height / l.stride;
  const double s = l.stride;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r) * cols + c;
      const float cls = std::clamp(l.cls[i], 0.f, 1.f), obj = std::clamp(l.obj[i], 0.f, 1.f);
      const float score = std::sqrt(cls * obj);
      if (score < score_threshold) continue;
      const float* b = l.bbox + 4 * i;
      const double cx = (c + b[0]) * s, cy = (r + b[1]) * s;
      const double w = std::exp(b[2]) * s, h = std::exp(b[3]) * s;
      YunetCandidate f;
      f.box = cv::Rect2d(cx - w / 2, cy - h / 2, w, h);
      f.score = score;
      const float* k = l.kps + 10 * i;
      for (int p = 0; p < 5; ++p)
        f.landmarks[p] = cv::Point2f(static_cast<float>((c + k[2 * p]) * s), static_cast<float>((r + k[2 * p + 1]) * s));
      out.push_back(f);
    }
  }
}

std::vector<YunetCandidate> suppress_overlaps(const std::vector<YunetCandidate>& candidates, float nms_threshold) {
  std::vector<cv::Rect2d> boxes;
  std::vector<float> scores;
  for (const auto& c : candidates) {
    boxes.push_back(c.box);
    scores.push_back(c.score);
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(boxes, scores, 0.f, nms_threshold, keep);
  std::vector<YunetCandidate> out;
  for (int k : keep) out.push_back(candidates[k]);
  return out;
}

YunetGeometry yunet_geometry(cv::Size frame, int input_size) {
  YunetGeometry g;
  const int longest = std::max(frame.width, frame.height);
  if (input_size > 0 && longest > 0) g.scale = static_cast<double>(input_size) / longest;
  g.scaled = cv::Size(std::max(1, static_cast<int>(std::lround(frame.width * g.scale))),
                      std::max(1, static_cast<int>(std::lround(frame.height * g.scale))));
  g.padded = cv::Size((g.scaled.width + 31) / 32 * 32, (g.scaled.height + 31) / 32 * 32);
  return g;
}

}  // namespace fer::detail
