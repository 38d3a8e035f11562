// Background classification gives the numbers the synchronous path gives, one frame later.
#include <chrono>
#include <thread>
#include <optional>
#include <gtest/gtest.h>

#include "fer/frame_analyzer.hpp"

namespace {

TEST(FrameAnalyzer, AsyncMatchesSyncOnAStaticScene) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  model->set_precision(fer::Precision::Fp32);
  fer::DetectorOptions whole;
  whole.kind = fer::DetectorKind::None;
  auto detector = fer::make_face_detector(whole);
  cv::Mat frame(40, 40, CV_8UC3);
  cv::randu(frame, 0, 256);
  auto crop = [&](const cv::Rect& r) { return frame(r).clone(); };

  fer::FrameAnalyzer sync_analyzer, async_analyzer;
  fer::AnalyzerSettings sync_settings, async_settings;
  async_settings.async = true;
  const auto want = sync_analyzer.process(*detector, model, frame, crop, sync_settings);
  ASSERT_EQ(want.size(), 1u);
  EXPECT_TRUE(want[0].fresh);

  // Frame 0: submitted, nothing known yet; after the worker is done, frame 1 carries the result.
  EXPECT_TRUE(async_analyzer.process(*detector, model, frame, crop, async_settings).empty());
  async_analyzer.drain();
  const auto got = async_analyzer.process(*detector, model, frame, crop, async_settings);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].fresh);
  EXPECT_EQ(got[0].track_id, want[0].track_id);
  ASSERT_EQ(got[0].probs.size(), want[0].probs.size());
  for (size_t c = 0; c < want[0].probs.size(); ++c) EXPECT_FLOAT_EQ(got[0].probs[c], want[0].probs[c]);
}

}  // namespace

namespace {

// A detector that reports a face moving 5 px right per frame, and counts its calls.
class MovingFace : public fer::FaceDetector {
 public:
  std::vector<fer::Face> detect(const cv::Mat&) override {
    fer::Face f;
    f.box = cv::Rect(10 + 5 * static_cast<int>(frame_), 10, 20, 20);
    calls.push_back(frame_);
    return {f};
  }
  int64_t frame_ = 0;
  std::vector<int64_t> calls;
};

TEST(FrameAnalyzer, DetectsEveryNthFrameAndMovesFacesAtTheirVelocityBetween) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  MovingFace detector;
  cv::Mat frame(64, 128, CV_8UC3, cv::Scalar::all(90));
  fer::FrameAnalyzer analyzer;
  fer::AnalyzerSettings s;
  s.detect_interval = 2;
  std::vector<int> xs;
  for (int64_t f = 0; f < 5; ++f) {
    detector.frame_ = f;
    const auto out = analyzer.process(detector, model, frame, [&](const cv::Rect& r) { return frame(r).clone(); }, s);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].track_id, 1);
    xs.push_back(out[0].box.x);
  }
  EXPECT_EQ(detector.calls, (std::vector<int64_t>{0, 2, 4}));
  // frame 1: one sighting, no velocity yet; frame 3: 5 px/frame from frames 0 and 2
  EXPECT_EQ(xs, (std::vector<int>{10, 10, 20, 25, 30}));
}

// The same face, which can also be found again near where it was: it moves 5 px right and,
// between full detections, 3 px down, which no velocity predicts.
class RefindableFace : public MovingFace {
 public:
  std::optional<fer::Face> find_near(const cv::Mat&, const cv::Rect& expected) override {
    near_calls.push_back({frame_, expected});
    fer::Face f;
    f.box = cv::Rect(10 + 5 * static_cast<int>(frame_), 13, 20, 20);
    return f;
  }
  std::vector<std::pair<int64_t, cv::Rect>> near_calls;
};

TEST(FrameAnalyzer, BetweenDetectionsFacesAreFoundAgainNearTheirTracks) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  RefindableFace detector;
  cv::Mat frame(64, 128, CV_8UC3, cv::Scalar::all(90));
  fer::FrameAnalyzer analyzer;
  fer::AnalyzerSettings s;
  s.detect_interval = 3;
  std::vector<cv::Rect> boxes;
  for (int64_t f = 0; f < 4; ++f) {
    detector.frame_ = f;
    const auto out = analyzer.process(detector, model, frame, [&](const cv::Rect& r) { return frame(r).clone(); }, s);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].track_id, 1);
    boxes.push_back(out[0].box);
  }
  EXPECT_EQ(detector.calls, (std::vector<int64_t>{0, 3}));
  // Frames 1 and 2 take the boxes the local search found, not extrapolations.
  EXPECT_EQ(boxes, (std::vector<cv::Rect>{{10, 10, 20, 20}, {15, 13, 20, 20}, {20, 13, 20, 20}, {25, 10, 20, 20}}));
  // Frame 1 searched where frame 0 saw the face (no velocity yet); frame 2 where frame 1's
  // find put it, moved at the velocity between them (5 px right, 3 down).
  ASSERT_EQ(detector.near_calls.size(), 2u);
  EXPECT_EQ(detector.near_calls[0].second, cv::Rect(10, 10, 20, 20));
  EXPECT_EQ(detector.near_calls[1].second, cv::Rect(20, 16, 20, 20));
}

}  // namespace

namespace {

class EdgeFace : public fer::FaceDetector {
 public:
  std::vector<fer::Face> detect(const cv::Mat&) override {
    fer::Face f;
    f.box = cv::Rect(-12, 30, 40, 50);  // a face half out of the left and bottom edges
    return {f};
  }
};

TEST(FrameAnalyzer, FacesCutByTheFrameEdgeAreClampedAndClassified) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  EdgeFace detector;
  cv::Mat frame(60, 80, CV_8UC3, cv::Scalar::all(90));
  std::vector<cv::Rect> crops;
  fer::FrameAnalyzer analyzer;
  const auto out = analyzer.process(detector, model, frame,
                                    [&](const cv::Rect& r) {
                                      crops.push_back(r);
                                      return frame(r).clone();
                                    },
                                    fer::AnalyzerSettings{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].box, cv::Rect(0, 30, 28, 30));
  ASSERT_EQ(crops.size(), 1u);
  EXPECT_EQ(crops[0], cv::Rect(0, 30, 28, 30));
  EXPECT_EQ(out[0].probs.size(), 5u);
}

}  // namespace

namespace {

// Two untrained models with the same five classes: what one smoothed must not leak into the other.
struct TwoModels {
  std::shared_ptr<fer::Classifier> a = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  std::shared_ptr<fer::Classifier> b = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  std::unique_ptr<fer::FaceDetector> detector = [] {
    fer::DetectorOptions whole;
    whole.kind = fer::DetectorKind::None;
    return fer::make_face_detector(whole);
  }();
  cv::Mat frame = [] {
    cv::Mat f(40, 40, CV_8UC3);
    cv::randu(f, 0, 256);
    return f;
  }();
  fer::FrameAnalyzer::CropFn crop = [this](const cv::Rect& r) { return frame(r).clone(); };
  TwoModels() {
    a->set_precision(fer::Precision::Fp32);
    b->set_precision(fer::Precision::Fp32);
  }
};

void expect_probs(const std::vector<fer::FaceResult>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].probs.size(), want.size());
  for (size_t c = 0; c < want.size(); ++c) EXPECT_FLOAT_EQ(got[0].probs[c], want[c]) << "class " << c;
}

TEST(FrameAnalyzer, ANewModelWithTheSameClassCountStartsFromItsOwnProbabilities) {
  TwoModels m;
  const auto b_alone = m.b->classify({m.frame})[0];
  fer::FrameAnalyzer analyzer;
  fer::AnalyzerSettings s;
  s.smoothing = 0.9;  // a mixture of the two would be far from b's own numbers
  for (int i = 0; i < 3; ++i) analyzer.process(*m.detector, m.a, m.frame, m.crop, s);
  expect_probs(analyzer.process(*m.detector, m.b, m.frame, m.crop, s), b_alone);
}

TEST(FrameAnalyzer, AResultInFlightForTheOldModelIsDroppedAfterASwap) {
  TwoModels m;
  const auto b_alone = m.b->classify({m.frame})[0];
  fer::FrameAnalyzer analyzer;
  fer::AnalyzerSettings s;
  s.async = true;
  s.smoothing = 0.9;
  analyzer.process(*m.detector, m.a, m.frame, m.crop, s);  // a's batch goes out
  analyzer.drain();                                        // and is done before the swap
  EXPECT_TRUE(analyzer.process(*m.detector, m.b, m.frame, m.crop, s).empty()) << "a's result joined b's faces";
  analyzer.drain();
  expect_probs(analyzer.process(*m.detector, m.b, m.frame, m.crop, s), b_alone);
}

TEST(FrameAnalyzer, StopWaitsForTheBatchInFlightAndTheAnalyzerWorksAfterwards) {
  TwoModels m;
  fer::FrameAnalyzer analyzer;
  fer::AnalyzerSettings s;
  s.async = true;
  analyzer.process(*m.detector, m.a, m.frame, m.crop, s);
  analyzer.stop();  // joins the worker: returns only once no classification runs
  EXPECT_EQ(analyzer.frame_number(), 0);
  analyzer.process(*m.detector, m.a, m.frame, m.crop, s);  // a new worker starts with the next batch
  analyzer.drain();
  EXPECT_EQ(analyzer.process(*m.detector, m.a, m.frame, m.crop, s).size(), 1u);
}

TEST(AsyncClassifier, StopEndsTheBatchInFlightAndASubmitAfterwardsWorks) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 64);
  const cv::Mat face(64, 64, CV_8UC3, cv::Scalar::all(80));
  fer::AsyncClassifier async;
  ASSERT_TRUE(async.submit(model, {1}, {face}));
  async.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a worker still running would land now
  EXPECT_FALSE(async.take()) << "a result arrived after stop()";
  EXPECT_TRUE(async.idle());
  ASSERT_TRUE(async.submit(model, {2}, {face}));
  async.wait();
  const auto r = async.take();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->track_ids, std::vector<int>{2});
}

}  // namespace
