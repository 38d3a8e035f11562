// Background classification gives the numbers the synchronous path gives, one frame later.
#include <gtest/gtest.h>

#include "fer/frame_analyzer.hpp"

namespace {

TEST(FrameAnalyzer, AsyncMatchesSyncOnAStaticScene) {
  auto model = fer::Classifier::create("resnet18", fer::default_classes(), 32);
  model->set_precision("fp32");
  fer::DetectorOptions whole;
  whole.kind = "none";
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
