#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/face_crop.hpp"
#include "fer/face_detector.hpp"
#include "fer/face_tracker.hpp"
#include "fer/geometry.hpp"

TEST(FaceCropRect, GrowsByMarginAndClampsToFrame) {
  EXPECT_EQ(fer::face_crop_rect({10, 10, 20, 20}, {100, 100}, 0.25), cv::Rect(5, 5, 30, 30));
  EXPECT_EQ(fer::face_crop_rect({10, 10, 20, 20}, {25, 25}, 0.5), cv::Rect(0, 0, 25, 25));
  EXPECT_EQ(fer::face_crop_rect({-5, 90, 20, 20}, {100, 100}, 0.0), cv::Rect(0, 90, 15, 10));
}

TEST(FaceDetector, NoneGivesTheWholeFrame) {
  fer::DetectorOptions o;
  o.kind = fer::DetectorKind::None;
  auto d = fer::make_face_detector(o);
  const auto faces = d->detect(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(0)));
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, cv::Rect(0, 0, 64, 48));
}

TEST(FaceDetector, UnknownKindAndMissingCascadeAreNamed) {
  try {
    fer::parse_detector_kind("yolo");
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

namespace {

// A 640x480 frame with `face` pasted at `at`: grey for Haar (as the element gives it), else BGR.
cv::Mat frame_with_face(const cv::Mat& face, cv::Point at, bool grey) {
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(110, 120, 130));
  face.copyTo(frame(cv::Rect(at, face.size())));
  if (grey) cv::cvtColor(frame, frame, cv::COLOR_BGR2GRAY);
  return frame;
}

// The first of `files`, resized to side x side, that `d` finds alone at (200, 150); its box in `found`.
cv::Mat first_found_face(fer::FaceDetector& d, const std::vector<cv::String>& files, int side, bool grey,
                         fer::Face& found) {
  for (const auto& file : files) {
    cv::Mat face;
    cv::resize(cv::imread(file), face, {side, side});
    const auto faces = d.detect(frame_with_face(face, {200, 150}, grey));
    if (faces.size() == 1) {
      found = faces[0];
      return face;
    }
  }
  return {};
}

}  // namespace

TEST(FaceDetector, HaarFindsAMovedFaceAgainNearItsLastBox) {
  const char* shared = std::getenv("FER_SHARED");
  const std::string dir = std::string(shared ? shared : "../shared") + "/data/faces5/Neutral/";
  std::vector<cv::String> files;
  cv::glob(dir + "*.jpg", files);
  if (files.empty()) GTEST_SKIP() << dir << " absent (set FER_SHARED)";
  auto d = fer::make_face_detector(fer::DetectorOptions{});
  fer::Face before;
  const cv::Mat face = first_found_face(*d, files, 160, true, before);
  ASSERT_FALSE(face.empty()) << "the cascade found none of " << dir << " alone at 160 px";
  auto frame_with_face_at = [&](cv::Point at) { return frame_with_face(face, at, true); };
  const cv::Mat moved = frame_with_face_at({230, 140});
  const auto full = d->detect(moved);
  ASSERT_EQ(full.size(), 1u);
  const auto again = d->find_near(moved, before.box);
  ASSERT_TRUE(again.has_value());
  const double overlap = (again->box & full[0].box).area() / double((again->box | full[0].box).area());
  EXPECT_GT(overlap, 0.8) << again->box << " vs the full search's " << full[0].box;
  // Gone from there: nothing is found, even though a full search elsewhere would find it.
  EXPECT_FALSE(d->find_near(frame_with_face_at({420, 300}), before.box).has_value());
}

TEST(FaceDetector, YunetFindsAMovedFaceAgainNearItsLastBox) {
  const char* shared = std::getenv("FER_SHARED");
  const std::string root = shared ? shared : "../shared";
  fer::DetectorOptions o;
  o.kind = fer::DetectorKind::Yunet;
  o.model = root + "/models/yunet.onnx";
  std::vector<cv::String> files;
  cv::glob(root + "/data/faces5/Neutral/*.jpg", files);
  if (files.empty() || !std::ifstream(o.model)) GTEST_SKIP() << root << " lacks faces5 or yunet.onnx (set FER_SHARED)";
  auto d = fer::make_face_detector(o);
  fer::Face before;
  const cv::Mat face = first_found_face(*d, files, 120, false, before);
  ASSERT_FALSE(face.empty()) << "YuNet found none of the Neutral crops alone at 120 px";
  auto frame_with_face_at = [&](cv::Point at) { return frame_with_face(face, at, false); };
  const cv::Mat moved = frame_with_face_at({230, 140});
  const auto full = d->detect(moved);
  ASSERT_EQ(full.size(), 1u);
  const auto again = d->find_near(moved, before.box);
  ASSERT_TRUE(again.has_value());
  EXPECT_GT(fer::iou(again->box, full[0].box), 0.8) << again->box << " vs the full search's " << full[0].box;
  // The near search sees a square of twice the face's side, scaled to 128 px: exactly what a full
  // search at detection size 128 sees of a frame that is that square. Its answer, moved by the
  // square's place, must be that search's.
  cv::Mat scene(240, 240, CV_8UC3, cv::Scalar(110, 120, 130));
  cv::resize(face, scene(cv::Rect(60, 60, 120, 120)), {120, 120});
  cv::Mat wide(480, 640, CV_8UC3, cv::Scalar(40, 60, 80));
  scene.copyTo(wide(cv::Rect(100, 50, 240, 240)));
  fer::DetectorOptions at128 = o;
  at128.input_size = 128;
  const auto reference = fer::make_face_detector(at128)->detect(scene);
  const auto near = d->find_near(wide, cv::Rect(160, 110, 120, 120));
  ASSERT_EQ(reference.size(), 1u);
  ASSERT_TRUE(near.has_value());
  EXPECT_EQ(near->box, reference[0].box + cv::Point(100, 50));
  ASSERT_EQ(near->landmarks.size(), 5u);
  for (size_t k = 0; k < 5; ++k)
    EXPECT_LT(cv::norm(near->landmarks[k] - (reference[0].landmarks[k] + cv::Point2f(100, 50))), 0.01) << "landmark " << k;
  // Near the frame's edge too: the square is cut by the frame and the rest is black.
  const cv::Mat corner = frame_with_face_at({0, 0});
  const auto at_corner = d->find_near(corner, cv::Rect(5, 5, 110, 110));
  ASSERT_TRUE(at_corner.has_value());
  EXPECT_GT(fer::iou(at_corner->box, d->detect(corner).at(0).box), 0.8);
  // Gone from there: nothing is found, even though a full search elsewhere would find it.
  EXPECT_FALSE(d->find_near(frame_with_face_at({420, 300}), before.box).has_value());
}

