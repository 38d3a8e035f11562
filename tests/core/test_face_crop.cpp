#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

// The YuNet file given to Haar (detector-model with the default detector): OpenCV's cascade
// loader throws on it rather than failing, and the message must name the file and the fix.
TEST(FaceDetector, HaarGivenAnOnnxFileSaysWhichDetectorReadsIt) {
  const char* shared = std::getenv("FER_SHARED");
  fer::DetectorOptions o;
  o.model = std::string(shared ? shared : "../shared") + "/models/yunet.onnx";
  if (!std::ifstream(o.model)) GTEST_SKIP() << o.model << " absent (set FER_SHARED)";
  try {
    fer::make_face_detector(o);
    FAIL() << "a YuNet file loaded as a cascade";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(o.model), std::string::npos) << what;
    EXPECT_NE(what.find("detector=yunet"), std::string::npos) << what;
  }
}

TEST(FaceDetector, HaarFindsNothingOnAFlatFrame) {
  auto d = fer::make_face_detector(fer::DetectorOptions{});
  EXPECT_TRUE(d->detect(cv::Mat(240, 320, CV_8UC3, cv::Scalar::all(128))).empty());
}

TEST(FaceDetector, HaarSearchesLargeFramesAtInputSizeAndAnswersInFramePixels) {
  const char* shared = std::getenv("FER_SHARED");
  const std::string dir = std::string(shared ? shared : "../shared") + "/data/faces5/Happy/";
  std::vector<cv::String> files;
  cv::glob(dir + "*.jpg", files);
  if (files.empty()) GTEST_SKIP() << dir << " absent (set FER_SHARED)";
  const cv::Mat face = cv::imread(files.front());
  cv::Mat frame(960, 1280, CV_8UC3, cv::Scalar(110, 120, 130));
  cv::resize(face, frame(cv::Rect(400, 200, 448, 448)), {448, 448});

  fer::DetectorOptions full, scaled;
  full.input_size = 0;
  scaled.input_size = 640;
  const auto a = fer::make_face_detector(full)->detect(frame);
  const auto b = fer::make_face_detector(scaled)->detect(frame);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  const double overlap = (a[0].box & b[0].box).area() / double((a[0].box | b[0].box).area());
  EXPECT_GT(overlap, 0.8) << a[0].box << " vs " << b[0].box;
  EXPECT_GT((b[0].box & cv::Rect(400, 200, 448, 448)).area(), 0.5 * b[0].box.area());
}

TEST(FaceDetector, HaarFindsAMovedFaceAgainNearItsLastBox) {
  const char* shared = std::getenv("FER_SHARED");
  const std::string dir = std::string(shared ? shared : "../shared") + "/data/faces5/Neutral/";
  std::vector<cv::String> files;
  cv::glob(dir + "*.jpg", files);
  if (files.empty()) GTEST_SKIP() << dir << " absent (set FER_SHARED)";
  cv::Mat face;
  auto frame_with_face_at = [&](cv::Point at) {
    cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(110, 120, 130));
    face.copyTo(frame(cv::Rect(at, face.size())));
    cv::Mat g;
    cv::cvtColor(frame, g, cv::COLOR_BGR2GRAY);
    return g;
  };
  auto d = fer::make_face_detector(fer::DetectorOptions{});
  std::vector<fer::Face> before;
  for (const auto& file : files) {  // the first crop the cascade finds at this size
    cv::resize(cv::imread(file), face, {160, 160});
    before = d->detect(frame_with_face_at({200, 150}));
    if (before.size() == 1) break;
  }
  ASSERT_EQ(before.size(), 1u);
  const cv::Mat moved = frame_with_face_at({230, 140});
  const auto full = d->detect(moved);
  ASSERT_EQ(full.size(), 1u);
  const auto again = d->find_near(moved, before[0].box);
  ASSERT_TRUE(again.has_value());
  const double overlap = (again->box & full[0].box).area() / double((again->box | full[0].box).area());
  EXPECT_GT(overlap, 0.8) << again->box << " vs the full search's " << full[0].box;
  // Gone from there: nothing is found, even though a full search elsewhere would find it.
  EXPECT_FALSE(d->find_near(frame_with_face_at({420, 300}), before[0].box).has_value());
}
