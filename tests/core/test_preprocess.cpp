// Pillow's bilinear resize, checked against values worked out by hand from Resample.c's
// formulas (support scaled by the shrink factor, weights normalised, round half up).
#include <gtest/gtest.h>

#include "fer/model_info.hpp"
#include "fer/preprocess.hpp"

namespace {

cv::Mat row(std::initializer_list<uint8_t> v) {
  cv::Mat m(1, static_cast<int>(v.size()), CV_8UC1);
  std::copy(v.begin(), v.end(), m.ptr<uint8_t>());
  return m;
}

std::vector<int> values(const cv::Mat& m) { return std::vector<int>(m.begin<uint8_t>(), m.end<uint8_t>()); }

TEST(PilResize, ShrinkAveragesOverTheWiderSupport) {
  // out[0] = (0*3 + 100*3 + 200*1)/7 = 71.4; out[1] = (100*1 + 200*3 + 255*3)/7 = 209.3
  EXPECT_EQ(values(fer::pil_resize_bilinear(row({0, 100, 200, 255}), {2, 1})), (std::vector<int>{71, 209}));
}

TEST(PilResize, EnlargeInterpolatesBetweenPixelCentres) {
  // centres at 0.25, 0.75, 1.25, 1.75 input pixels; the edges clamp
  EXPECT_EQ(values(fer::pil_resize_bilinear(row({0, 255}), {4, 1})), (std::vector<int>{0, 64, 191, 255}));
}

TEST(PilResize, VerticalPassMatchesHorizontal) {
  const cv::Mat col = row({0, 100, 200, 255}).t();
  EXPECT_EQ(values(fer::pil_resize_bilinear(col, {1, 2})), (std::vector<int>{71, 209}));
}

TEST(PilResize, SameSizeIsACopy) {
  cv::Mat img(5, 7, CV_8UC3);
  cv::randu(img, 0, 256);
  const cv::Mat out = fer::pil_resize_bilinear(img, img.size());
  EXPECT_EQ(cv::norm(img, out, cv::NORM_INF), 0.0);
  EXPECT_NE(out.data, img.data);
}

TEST(CropToChw, NormalisesRgbPlanes) {
  // a 1x1 BGR pixel (B=0, G=128, R=255) stretched to 2x2: planes come out R, G, B
  cv::Mat px(1, 1, CV_8UC3, cv::Scalar(0, 128, 255));
  std::vector<float> out(3 * 4);
  fer::crop_to_chw(px, 2, fer::kImageNetMean, fer::kImageNetStd, out.data());
  EXPECT_NEAR(out[0], (1.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(out[4], (128 / 255.0 - 0.456) / 0.224, 1e-5);
  EXPECT_NEAR(out[8], (0.0 - 0.406) / 0.225, 1e-5);
  EXPECT_EQ(out[0], out[3]);
}

}  // namespace
