#include "fer/train/augment.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fer::train {
namespace {

double uniform(std::mt19937_64& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

// torchvision's RandomResizedCrop.get_params: ten tries at a random area and aspect ratio,
// then the centre crop with the ratio clamped.
cv::Rect random_resized_crop(cv::Size size, const AugmentOptions& o, std::mt19937_64& rng) {
  const double area = static_cast<double>(size.area());
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * uniform(rng, o.scale_min, o.scale_max);
    const double ratio = std::exp(uniform(rng, std::log(o.ratio_min), std::log(o.ratio_max)));
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= size.width && h <= size.height) {
      const int y = std::uniform_int_distribution<int>(0, size.height - h)(rng);
      const int x = std::uniform_int_distribution<int>(0, size.width - w)(rng);
      return {x, y, w, h};
    }
  }
  const double in_ratio = static_cast<double>(size.width) / size.height;
  int w = size.width, h = size.height;
  if (in_ratio < o.ratio_min) h = static_cast<int>(std::lround(w / o.ratio_min));
  else if (in_ratio > o.ratio_max) w = static_cast<int>(std::lround(h * o.ratio_max));
  return {(size.width - w) / 2, (size.height - h) / 2, w, h};
}

cv::Mat grey_of(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

// ColorJitter's four adjustments, in a random order, each with a factor drawn like torchvision's.
void color_jitter(cv::Mat& bgr, const AugmentOptions& o, std::mt19937_64& rng) {
  int order[4] = {0, 1, 2, 3};
  std::shuffle(order, order + 4, rng);
  for (int op : order) {
    if (op == 0 && o.brightness > 0) {
      bgr.convertTo(bgr, -1, uniform(rng, std::max(0.0, 1 - o.brightness), 1 + o.brightness), 0);
    } else if (op == 1 && o.contrast > 0) {
      const double f = uniform(rng, std::max(0.0, 1 - o.contrast), 1 + o.contrast);
      const double mean = cv::mean(grey_of(bgr))[0];
      bgr.convertTo(bgr, -1, f, mean * (1 - f));
    } else if (op == 2 && o.saturation > 0) {
      const double f = uniform(rng, std::max(0.0, 1 - o.saturation), 1 + o.saturation);
      cv::Mat grey3;
      cv::cvtColor(grey_of(bgr), grey3, cv::COLOR_GRAY2BGR);
      cv::addWeighted(bgr, f, grey3, 1 - f, 0, bgr);
    } else if (op == 3 && o.hue > 0) {
      const double shift = uniform(rng, -o.hue, o.hue) * 180;  // OpenCV's 8-bit hue spans 0..180
      cv::Mat hsv;
      cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
      const int s = static_cast<int>(std::lround(shift));
      for (int y = 0; y < hsv.rows; ++y) {
        auto* p = hsv.ptr<uint8_t>(y);
        for (int x = 0; x < hsv.cols; ++x) p[3 * x] = static_cast<uint8_t>(((p[3 * x] + s) % 180 + 180) % 180);
      }
      cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
    }
  }
}

// RandomErasing.get_params: ten tries at a rectangle of 2-33% of the image, aspect 0.3-3.3.
// torchvision fills value 0 after Normalize, the data set's mean colour; here, before normalising,
// the image's own mean stands in for it.
void random_erase(cv::Mat& img, std::mt19937_64& rng) {
  const double area = static_cast<double>(img.total());
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * uniform(rng, 0.02, 0.33);
    const double ratio = std::exp(uniform(rng, std::log(0.3), std::log(3.3)));
    const int h = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int w = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (h < img.rows && w < img.cols) {
      const int y = std::uniform_int_distribution<int>(0, img.rows - h)(rng);
      const int x = std::uniform_int_distribution<int>(0, img.cols - w)(rng);
      img(cv::Rect(x, y, w, h)).setTo(cv::mean(img));
      return;
    }
  }
}

}  // namespace

cv::Mat augment(const cv::Mat& image, int side, const AugmentOptions& o, std::mt19937_64& rng) {
  cv::Mat bgr;
  if (image.channels() == 1) cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
  else bgr = image;
  const cv::Rect roi = o.enabled ? random_resized_crop(bgr.size(), o, rng) : cv::Rect({0, 0}, bgr.size());
  cv::Mat out;
  const bool shrink = roi.width > side || roi.height > side;
  cv::resize(bgr(roi), out, {side, side}, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (!o.enabled) return out;
  if (uniform(rng, 0, 1) < o.flip) cv::flip(out, out, 1);
  if (o.rotation > 0) {
    const double angle = uniform(rng, -o.rotation, o.rotation);
    const cv::Mat m = cv::getRotationMatrix2D({(side - 1) / 2.0f, (side - 1) / 2.0f}, angle, 1.0);
    cv::warpAffine(out, out, m, out.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  color_jitter(out, o, rng);
  if (o.grey > 0 && uniform(rng, 0, 1) < o.grey) cv::cvtColor(grey_of(out), out, cv::COLOR_GRAY2BGR);
  if (o.erase > 0 && uniform(rng, 0, 1) < o.erase) random_erase(out, rng);
  return out;
}

}  // namespace fer::train
