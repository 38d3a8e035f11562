// Boxes and labels drawn as a mask of palette indices, so the same drawing lands in any
// pixel format through FrameAccess::paint and nothing outside the drawing changes.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/frame_analyzer.hpp"

namespace feremotion {

enum OverlayInk : uint8_t { kNoInk = 0, kBoxInk = 1, kLabelBackInk = 2, kTextInk = 3 };

// Draws into mask (frame-sized CV_8U, zero where nothing is drawn) and returns the
// rectangle that holds every drawn pixel, so only that needs painting and clearing.
cv::Rect draw_overlay(cv::Mat& mask, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes);

}  // namespace feremotion
