// FaceTracker: which box belongs to which face across frames, worked out by hand.
#include <gtest/gtest.h>

#include "fer/face_tracker.hpp"
#include "fer/geometry.hpp"

namespace {

TEST(Geometry, IouByHand) {
  EXPECT_DOUBLE_EQ(fer::iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(fer::iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);  // overlap 5x10
  EXPECT_DOUBLE_EQ(fer::iou({0, 0, 10, 10}, {20, 20, 5, 5}), 0.0);
  EXPECT_DOUBLE_EQ(fer::iou({}, {}), 0.0);
}

TEST(FaceTracker, KeepsIdsOfFacesThatMoveAndNumbersNewOnes) {
  fer::FaceTracker t;
  auto ids = [&](const std::vector<size_t>& idx) {
    std::vector<int> out;
    for (size_t i : idx) out.push_back(t.tracks()[i].id);
    return out;
  };
  EXPECT_EQ(ids(t.update({{0, 0, 20, 20}, {100, 0, 20, 20}}, 0)), (std::vector<int>{1, 2}));
  // Both moved by 4 px (IoU 16*20/(2*400-320) = 0.667): same ids, listed in this frame's order.
  EXPECT_EQ(ids(t.update({{104, 0, 20, 20}, {4, 0, 20, 20}}, 1)), (std::vector<int>{2, 1}));
  // A third face far from both: a new id; the others keep theirs.
  EXPECT_EQ(ids(t.update({{4, 0, 20, 20}, {50, 50, 20, 20}, {104, 0, 20, 20}}, 2)), (std::vector<int>{1, 3, 2}));
}

TEST(FaceTracker, AJumpBeyondMinIouIsAnotherFace) {
  fer::FaceTracker t;
  t.update({{0, 0, 20, 20}}, 0);
  // Moved 12 px: IoU 8*20 / (800-160) = 0.25 < 0.3.
  const auto idx = t.update({{12, 0, 20, 20}}, 1);
  EXPECT_EQ(t.tracks()[idx[0]].id, 2);
}

TEST(FaceTracker, EachTrackTakesItsBestBoxOnce) {
  fer::FaceTracker t;
  t.update({{0, 0, 20, 20}}, 0);
  // Two boxes overlap the one track: the better (IoU 0.818 vs 0.6) keeps id 1, the other is new.
  const auto idx = t.update({{5, 0, 20, 20}, {2, 0, 20, 20}}, 1);
  EXPECT_EQ(t.tracks()[idx[1]].id, 1);
  EXPECT_EQ(t.tracks()[idx[0]].id, 2);
}

TEST(FaceTracker, TracksUnseenForMaxMissedFramesEnd) {
  fer::FaceTracker t;
  t.max_missed = 2;
  t.update({{0, 0, 20, 20}, {100, 0, 20, 20}}, 0);
  t.update({{0, 0, 20, 20}}, 1);
  t.update({{0, 0, 20, 20}}, 2);
  EXPECT_EQ(t.tracks().size(), 2u) << "missed for 2 frames: still kept";
  t.update({{0, 0, 20, 20}}, 3);
  ASSERT_EQ(t.tracks().size(), 1u) << "missed for 3 frames: gone";
  EXPECT_EQ(t.tracks()[0].id, 1);
  // The same place again later is a new face.
  const auto idx = t.update({{0, 0, 20, 20}, {100, 0, 20, 20}}, 4);
  EXPECT_EQ(t.tracks()[idx[1]].id, 3);
}

TEST(FaceTracker, PredictsAlongTheVelocityAndClampsToTheFrame) {
  fer::FaceTracker t;
  t.update({{10, 10, 20, 20}}, 0);
  t.update({{16, 12, 20, 20}}, 2);  // 3 px right and 1 px down per frame
  const auto at5 = t.predict(5, {100, 100});
  ASSERT_EQ(at5.size(), 1u);
  EXPECT_EQ(at5[0].second.box, cv::Rect(25, 15, 20, 20));  // 3 more frames: +9, +3
  const auto clamped = t.predict(30, {100, 100});  // x 16+84=100: off the right edge
  EXPECT_TRUE(clamped.empty()) << "a face moved out of the frame is not predicted";
  t.reset();
  EXPECT_TRUE(t.tracks().empty());
  EXPECT_TRUE(t.predict(3, {100, 100}).empty());
}

TEST(FaceTracker, SmoothingMixesOldAndNew) {
  std::vector<float> state;
  fer::smooth_into(state, {0.2f, 0.8f}, 0.5);
  EXPECT_EQ(state, (std::vector<float>{0.2f, 0.8f})) << "the first value is taken as it is";
  fer::smooth_into(state, {1.0f, 0.0f}, 0.75);
  EXPECT_FLOAT_EQ(state[0], 0.75f * 0.2f + 0.25f * 1.0f);
  EXPECT_FLOAT_EQ(state[1], 0.75f * 0.8f);
  fer::smooth_into(state, {0.3f, 0.7f}, 0.0);
  EXPECT_EQ(state, (std::vector<float>{0.3f, 0.7f})) << "smoothing 0 keeps only the new";
}

}  // namespace
