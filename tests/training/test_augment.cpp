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

// RandomGrayscale at 1: the three channels equal the resize's luma; at 0 the colour stays.
TEST(Augment, GreyMakesChannelsEqual) {
  const cv::Mat src = gradient(64, 64);
  std::mt19937_64 rng(3);
  AugmentOptions grey = nothing();
  grey.grey = 1.0;
  const cv::Mat out = augment(src, 32, grey, rng);
  cv::Mat resized, luma;
  cv::resize(src, resized, {32, 32}, 0, 0, cv::INTER_AREA);
  cv::cvtColor(resized, luma, cv::COLOR_BGR2GRAY);
  std::vector<cv::Mat> ch;
  cv::split(out, ch);
  for (const auto& c : ch) EXPECT_EQ(cv::norm(c, luma, cv::NORM_INF), 0);
  grey.grey = 0;
  EXPECT_EQ(cv::norm(augment(src, 32, grey, rng), resized, cv::NORM_INF), 0);
}

// RandomErasing at 1: one upright rectangle of 2-33% of the image holds a single colour, the
// image's mean before erasing; every other pixel is untouched.
TEST(Augment, EraseFillsOneRectangle) {
  cv::Mat src(64, 64, CV_8UC3);
  cv::randu(src, 0, 256);  // no two neighbours alike, so the erased area is exactly the changed one
  AugmentOptions erase = nothing();
  erase.erase = 1.0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    const cv::Mat out = augment(src, 64, erase, rng);
    cv::Mat diff;
    cv::absdiff(out, src, diff);
    cv::Mat changed;
    cv::cvtColor(diff, changed, cv::COLOR_BGR2GRAY);
    changed = changed > 0;
    const cv::Rect box = cv::boundingRect(changed);
    ASSERT_GT(box.area(), 0) << "seed " << seed;
    const double fraction = box.area() / 4096.0;
    EXPECT_GE(fraction, 0.015) << "seed " << seed;
    EXPECT_LE(fraction, 0.34) << "seed " << seed;
    const cv::Scalar mean = cv::mean(src);
    for (int y = box.y; y < box.br().y; ++y)
      for (int x = box.x; x < box.br().x; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(out.at<cv::Vec3b>(y, x)[c], cv::saturate_cast<uint8_t>(mean[c])) << "seed " << seed;
  }
}
