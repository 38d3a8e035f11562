// Small rectangle arithmetic shared by the detectors and the tracker.
#pragma once

#include <opencv2/core.hpp>

namespace fer {

// Intersection over union of two boxes (0 when both are empty).
inline double iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace fer
