// Aligned crops: level eyes, the square's size and margin, frames edges.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "fer/face_align.hpp"

namespace {

fer::Face face_with_eyes(cv::Point2f a, cv::Point2f b, cv::Rect box) {
  fer::Face f;
  f.box = box;
  f.landmarks = {a, b, {0, 0}, {0, 0}, {0, 0}};
  return f;
}

}  // namespace

TEST(FaceAlign, EyeAngleFromImageLeftToRight) {
  EXPECT_NEAR(fer::eye_angle_degrees(face_with_eyes({0, 0}, {10, 10}, {})), 45.0, 1e-9);
  EXPECT_NEAR(fer::eye_angle_degrees(face_with_eyes({10, 10}, {0, 0}, {})), 45.0, 1e-9);  // order-free
  EXPECT_NEAR(fer::eye_angle_degrees(face_with_eyes({0, 10}, {10, 0}, {})), -45.0, 1e-9);
  EXPECT_EQ(fer::eye_angle_degrees(fer::Face{}), 0.0);
}

TEST(FaceAlign, TurnsTheEyesLevel) {
  // Two bright dots on a tilted line through the centre of a 200 x 200 frame.
  cv::Mat frame(200, 200, CV_8UC1, cv::Scalar(0));
  const double t = 20 * CV_PI / 180;
  const cv::Point2f c(100, 100), d(static_cast<float>(30 * std::cos(t)), static_cast<float>(30 * std::sin(t)));
  cv::circle(frame, c - d, 4, cv::Scalar(255), cv::FILLED);
  cv::circle(frame, c + d, 4, cv::Scalar(255), cv::FILLED);
  const fer::Face f = face_with_eyes(c - d, c + d, {60, 60, 80, 80});
  const cv::Mat crop = fer::aligned_crop(frame, f, 0.25);
  ASSERT_EQ(crop.size(), cv::Size(120, 120));  // 80 * (1 + 2 * 0.25)
  // Both dots now sit on the crop's middle row, 30 px either side of the centre.
  EXPECT_GT(crop.at<uchar>(60, 30), 200);
  EXPECT_GT(crop.at<uchar>(60, 90), 200);
  EXPECT_LT(crop.at<uchar>(48, 30), 50);
}

TEST(FaceAlign, LevelFacesCropTheSquareAroundTheBox) {
  cv::Mat frame(100, 100, CV_8UC3);
  cv::randu(frame, 0, 255);
  const fer::Face f = face_with_eyes({40, 40}, {60, 40}, {30, 30, 40, 40});
  const cv::Mat crop = fer::aligned_crop(frame, f, 0.0);
  ASSERT_EQ(crop.size(), cv::Size(40, 40));
  EXPECT_EQ(cv::norm(crop, frame(cv::Rect(30, 30, 40, 40)), cv::NORM_INF), 0.0);
  EXPECT_EQ(fer::aligned_source_rect(f, frame.size(), 0.0), cv::Rect(29, 29, 42, 42));
}

TEST(FaceAlign, FacesAtTheEdgeRepeatTheEdge) {
  cv::Mat frame(50, 50, CV_8UC1, cv::Scalar(77));
  const fer::Face f = face_with_eyes({0, 0}, {10, 2}, {-10, -10, 30, 30});
  const cv::Rect src = fer::aligned_source_rect(f, frame.size(), 0.5);
  EXPECT_EQ(src.tl(), cv::Point(0, 0));
  const cv::Mat crop = fer::aligned_crop(frame, f, 0.5);
  ASSERT_EQ(crop.size(), cv::Size(60, 60));
  EXPECT_EQ(cv::countNonZero(crop != 77), 0);
}
