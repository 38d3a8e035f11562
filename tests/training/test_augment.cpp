// Augmentation: output shape and type whatever the input, reproducible from the seed, each part
// switchable off (all off = a plain resize), and the flip really mirrors.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "fer/train/augment.hpp"

using fer::train::AugmentOptions;
using fer::train::augment;

namespace {

cv::Mat gradient(int w, int h) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) img.at<cv::Vec3b>(y, x) = {uint8_t(x * 255 / w), uint8_t(y * 255 / h), 128};
  return img;
}

AugmentOptions nothing() {
  AugmentOptions o;
  o.scale_min = o.scale_max = 1.0;
  o.ratio_min = o.ratio_max = 1.0;
  o.flip = 0;
  o.rotation = 0;
  o.brightness = o.contrast = o.saturation = o.hue = 0;
  return o;
}

}  // namespace

TEST(Augment, ShapeTypeAndSeed) {
  const cv::Mat src = gradient(90, 70);
  cv::Mat grey;
  cv::cvtColor(src, grey, cv::COLOR_BGR2GRAY);
  for (const cv::Mat& in : {src, grey}) {
    std::mt19937_64 a(11), b(11), c(12);
    const cv::Mat x = augment(in, 32, AugmentOptions{}, a), y = augment(in, 32, AugmentOptions{}, b);
    const cv::Mat z = augment(in, 32, AugmentOptions{}, c);
    ASSERT_EQ(x.size(), cv::Size(32, 32));
    ASSERT_EQ(x.type(), CV_8UC3);
    EXPECT_EQ(cv::norm(x, y, cv::NORM_INF), 0) << "same seed, same image";
    EXPECT_GT(cv::norm(x, z, cv::NORM_INF), 0) << "another seed, another image";
  }
}

TEST(Augment, AllOffIsAResizeAndFlipMirrors) {
  const cv::Mat src = gradient(64, 64);
  std::mt19937_64 rng(1);
  AugmentOptions off;
  off.enabled = false;
  const cv::Mat plain = augment(src, 32, off, rng);
  cv::Mat expect;
  cv::resize(src, expect, {32, 32}, 0, 0, cv::INTER_AREA);
  EXPECT_EQ(cv::norm(plain, expect, cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(augment(src, 32, nothing(), rng), expect, cv::NORM_INF), 0) << "every part at zero";
  AugmentOptions flip = nothing();
  flip.flip = 1.0;
  cv::Mat mirrored;
  cv::flip(expect, mirrored, 1);
  EXPECT_EQ(cv::norm(augment(src, 32, flip, rng), mirrored, cv::NORM_INF), 0);
}
