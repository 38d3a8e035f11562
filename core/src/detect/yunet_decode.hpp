// Decoding YuNet's stride 8/16/32 heads into faces (kept apart from the network so it can be
// tested on hand-made tensors).
#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>

namespace fer::detail {

// One head of the network: per grid cell (row-major over a (input / stride) grid) one anchor with
// cls and obj (already sigmoids), bbox (dx, dy, log w, log h in stride units) and kps (5 x dx, dy).
struct YunetLevel {
  int stride = 8;
  const float* cls = nullptr;
  const float* obj = nullptr;
  const float* bbox = nullptr;
  const float* kps = nullptr;
};

struct YunetCandidate {
  cv::Rect2d box;  // in the network input's pixels
  float score = 0.f;
  std::array<cv::Point2f, 5> landmarks;
};

// Appends the cells of `level` scoring at least score_threshold (score = sqrt(cls * obj)).
// input: the network input's size (multiples of 32).
void decode_yunet_level(const YunetLevel& level, cv::Size input, float score_threshold,
                        std::vector<YunetCandidate>& out);

// Non-maximum suppression (cv::dnn::NMSBoxes): the strongest of overlapping boxes, best first.
std::vector<YunetCandidate> suppress_overlaps(const std::vector<YunetCandidate>& candidates, float nms_threshold);

// The network input for a frame: the frame scaled (down or up) so that its longest side is
// input_size (0: unscaled), then padded right and bottom to multiples of 32.
struct YunetGeometry {
  double scale = 1.0;  // network pixels per frame pixel
  cv::Size scaled;     // the frame's size after scaling
  cv::Size padded;     // the network input
};
YunetGeometry yunet_geometry(cv::Size frame, int input_size);

}  // namespace fer::detail
