// The crop rule: what a classifier sees of a detected face (box -> margin -> alignment -> crop).
// One rule for the element, fer-predict, fer-detect and fer-train's data preparation, so that a
// model sees in use what it was trained on.
#pragma once

#include <opencv2/core.hpp>

#include "fer/face_detector.hpp"

namespace fer {

struct CropRule {
  double margin = 0.0;  // grow the box by this fraction of its size on each side
  bool align = false;   // turn faces with landmarks so the eyes are level (fer/face_align.hpp)
};

// Whether the rule turns this face: aligning is asked for and the detector gave landmarks.
bool turns(const Face& face, const CropRule& rule);

// The box grown by margin (fraction of its size), clamped to the frame.
cv::Rect face_crop_rect(const cv::Rect& box, const cv::Size& frame, double margin = 0.0);

// The frame rectangle the crop reads; empty when the face is not in the frame (nothing to cut).
cv::Rect crop_source_rect(const Face& face, const cv::Size& frame, const CropRule& rule);

// The crop, from `source`: the frame's pixels of crop_source_rect (BGR or grey). A view of them,
// or a new image when the face is turned. With FER_DUMP_CROPS=DIR in the environment every crop
// is also written there as a PNG (what the classifier sees, before resizing).
cv::Mat cut_face(const cv::Mat& source, const cv::Rect& source_rect, const Face& face, const CropRule& rule);

// The same from a whole frame.
cv::Mat cut_face(const cv::Mat& frame, const Face& face, const CropRule& rule);

}  // namespace fer
