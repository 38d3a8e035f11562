// Aligned face crops: the face turned so that its eyes are level, cut as a square of a consistent
// margin around the detection box. Needs landmarks (YuNet); faces without them are cut unturned.
#pragma once

#include <opencv2/core.hpp>

#include "fer/face_detector.hpp"

namespace fer {

// The angle of the line from the eye on the image's left to the other, in degrees (0 without
// landmarks); positive when the right-hand eye is lower.
double eye_angle_degrees(const Face& face);

// The square an aligned crop covers: centred on the box, side = longest box side * (1 + 2 margin).
// Returns the frame rectangle it reads from (the turned square's bounding box, clamped to the frame).
cv::Rect aligned_source_rect(const Face& face, const cv::Size& frame, double margin);

// The aligned crop (square, side as above, BGR or grey as the source): `source` holds the pixels of
// aligned_source_rect, its top-left corner at `origin` in the frame. Parts outside the frame repeat
// the nearest edge pixel.
cv::Mat aligned_crop(const cv::Mat& source, const cv::Point& origin, const Face& face, double margin);

// The same from a whole frame.
cv::Mat aligned_crop(const cv::Mat& frame, const Face& face, double margin);

}  // namespace fer
