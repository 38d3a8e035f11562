// Pre-processing identical to torchvision's PIL path, without LibTorch.
#pragma once

#include <array>

#include <opencv2/core.hpp>

namespace fer {

// Resize an 8-bit image (1-4 channels) like PIL's Image.resize(BILINEAR), antialiased
// when shrinking, with PIL's fixed-point rounding so the bytes match.
cv::Mat pil_resize_bilinear(const cv::Mat& src, cv::Size size);

// BGR/grey/BGRA crop -> RGB resized to side x side -> (x/255 - mean)/std, written as CHW floats
// to dst (channels*side*side values). channels 1: one grey plane, kGreyWeights of the resized RGB.
void crop_to_chw(const cv::Mat& crop, int side, const std::array<float, 3>& mean,
                 const std::array<float, 3>& std, float* dst, int channels = 3);

}  // namespace fer
