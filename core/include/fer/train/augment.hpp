// Training-time augmentation as torchvision's RandomResizedCrop, RandomHorizontalFlip,
// RandomRotation, ColorJitter, RandomGrayscale and RandomErasing (same parameter meaning; same
// random draws are not a goal).
#pragma once

#include <random>

#include <opencv2/core.hpp>

namespace fer::train {

struct AugmentOptions {
  bool enabled = true;
  double scale_min = 0.08, scale_max = 1.0;       // RandomResizedCrop area fraction
  double ratio_min = 3.0 / 4, ratio_max = 4.0 / 3;  // and aspect ratio
  double flip = 0.5;                              // probability of a horizontal flip
  double rotation = 10;                           // degrees, uniform in [-rotation, rotation]
  double brightness = 0.2, contrast = 0.2, saturation = 0.2, hue = 0.05;  // ColorJitter
  double grey = 0;                                // RandomGrayscale's probability
  double erase = 0;                               // RandomErasing's probability (scale 0.02-0.33, ratio 0.3-3.3)
};

// 8-bit BGR or grey image -> augmented 8-bit BGR image of side x side.
cv::Mat augment(const cv::Mat& image, int side, const AugmentOptions& opts, std::mt19937_64& rng);

}  // namespace fer::train
