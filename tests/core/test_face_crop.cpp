#include <gtest/gtest.h>

#include "fer/face_detector.hpp"

TEST(FaceCropRect, GrowsByMarginAndClampsToFrame) {
  EXPECT_EQ(fer::face_crop_rect({10, 10, 20, 20}, {100, 100}, 0.25), cv::Rect(5, 5, 30, 30));
  EXPECT_EQ(fer::face_crop_rect({10, 10, 20, 20}, {25, 25}, 0.5), cv::Rect(0, 0, 25, 25));
  EXPECT_EQ(fer::face_crop_rect({-5, 90, 20, 20}, {100, 100}, 0.0), cv::Rect(0, 90, 15, 10));
}

TEST(FaceDetector, NoneGivesTheWholeFrame) {
  fer::DetectorOptions o;
  o.kind = "none";
  auto d = fer::make_face_detector(o);
  const auto faces = d->detect(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(0)));
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, cv::Rect(0, 0, 64, 48));
}

TEST(FaceDetector, UnknownKindAndMissingCascadeAreNamed) {
  try {
    fer::DetectorOptions bad;
    bad.kind = "yolo";
    fer::make_face_detector(bad);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("yolo"), std::string::npos);
  }
  fer::DetectorOptions o;
  o.model = "/nonexistent/cascade.xml";
  try {
    fer::make_face_detector(o);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cascade.xml"), std::string::npos);
  }
}

TEST(FaceDetector, HaarFindsNothingOnAFlatFrame) {
  auto d = fer::make_face_detector(fer::DetectorOptions{});
  EXPECT_TRUE(d->detect(cv::Mat(240, 320, CV_8UC3, cv::Scalar::all(128))).empty());
}
