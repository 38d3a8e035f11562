// Boxes and labels drawn as a mask of palette indices, so the same drawing lands in any
// pixel format through FrameAccess::paint and nothing outside the drawing changes.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/emotion_colours.hpp"
#include "fer/frame_analyzer.hpp"

namespace feremotion {

// Mask values: 0 untouched, then the two text colours, then one per class (its box and label).
enum OverlayInk : uint8_t { kNoInk = 0, kWhiteInk = 1, kBlackInk = 2, kFirstClassInk = 3 };

// The RGB colour of each mask value for these classes (fer::emotion_colour, as fer-report draws them).
std::vector<fer::Rgb> overlay_palette(const std::vector<std::string>& classes);

// Draws into mask (frame-sized CV_8U, zero where nothing is drawn) and returns the
// rectangle that holds every drawn pixel, so only that needs painting and clearing.
cv::Rect draw_overlay(cv::Mat& mask, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes);

}  // namespace feremotion
