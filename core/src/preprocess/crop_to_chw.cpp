#include <opencv2/imgproc.hpp>

#include "fer/model_info.hpp"
#include "fer/preprocess.hpp"

namespace fer {

void crop_to_chw(const cv::Mat& crop, int side, const std::array<float, 3>& mean,
                 const std::array<float, 3>& std, float* dst, int channels) {
  CV_Assert(channels == 1 || channels == 3);
  CV_Assert(!crop.empty() && crop.depth() == CV_8U);
  cv::Mat rgb;
  switch (crop.channels()) {
    case 1: cv::cvtColor(crop, rgb, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(crop, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(crop, rgb, cv::COLOR_BGRA2RGB); break;
    default: CV_Error(cv::Error::StsBadArg, "crop must have 1, 3 or 4 channels");
  }
  const cv::Mat resized = pil_resize_bilinear(rgb, {side, side});
  const size_t plane = static_cast<size_t>(side) * side;
  if (channels == 1) {
    const float scale = 1.f / (255.f * std[0]), shift = -mean[0] / std[0];
    for (int y = 0; y < side; ++y) {
      const uint8_t* p = resized.ptr<uint8_t>(y);
      for (int x = 0; x < side; ++x)
        dst[static_cast<size_t>(y) * side + x] =
            (kGreyWeights[0] * p[x * 3] + kGreyWeights[1] * p[x * 3 + 1] + kGreyWeights[2] * p[x * 3 + 2]) * scale + shift;
    }
    return;
  }
  // ToTensor divides by 255, Normalize subtracts and divides: fold both into one scale/shift.
  float scale[3], shift[3];
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.f / (255.f * std[c]);
    shift[c] = -mean[c] / std[c];
  }
  for (int y = 0; y < side; ++y) {
    const uint8_t* p = resized.ptr<uint8_t>(y);
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < 3; ++c)
        dst[c * plane + static_cast<size_t>(y) * side + x] = p[x * 3 + c] * scale[c] + shift[c];
  }
}

}  // namespace fer
