// YuNet decoding on hand-made heads: where a cell's numbers must land.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "detect/yunet_decode.hpp"
#include "fer/face_detector.hpp"

using fer::detail::YunetCandidate;

namespace {

struct Heads {
  std::vector<float> cls, obj, bbox, kps;
  explicit Heads(size_t cells) : cls(cells, 0.f), obj(cells, 0.f), bbox(4 * cells, 0.f), kps(10 * cells, 0.f) {}
  fer::detail::YunetLevel level(int stride) const { return {stride, cls.data(), obj.data(), bbox.data(), kps.data()}; }
};

}  // namespace

TEST(YunetDecode, CellOffsetsAndLogSizesBecomePixels) {
  const cv::Size input(64, 32);  // stride 16: 4 x 2 cells
  Heads h(8);
  const int cell = 1 * 4 + 2;  // row 1, column 2
  h.cls[cell] = 0.81f;
  h.obj[cell] = 1.0f;
  h.bbox[4 * cell + 0] = 0.5f;              // dx
  h.bbox[4 * cell + 1] = 0.25f;             // dy
  h.bbox[4 * cell + 2] = std::log(2.0f);    // w = 2 strides
  h.bbox[4 * cell + 3] = std::log(1.5f);    // h = 1.5 strides
  for (int p = 0; p < 5; ++p) {
    h.kps[10 * cell + 2 * p] = 0.1f * p;
    h.kps[10 * cell + 2 * p + 1] = -0.1f * p;
  }
  h.cls[0] = 0.3f;  // sqrt(0.3 * 0.5) < 0.5: dropped
  h.obj[0] = 0.5f;
  std::vector<YunetCandidate> out;
  fer::detail::decode_yunet_level(h.level(16), input, 0.5f, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].score, 0.9f, 1e-6);
  // centre (2.5, 1.25) strides = (40, 20) px; 32 x 24 px
  EXPECT_NEAR(out[0].box.x, 40 - 16, 1e-4);
  EXPECT_NEAR(out[0].box.y, 20 - 12, 1e-4);
  EXPECT_NEAR(out[0].box.width, 32, 1e-4);
  EXPECT_NEAR(out[0].box.height, 24, 1e-4);
  EXPECT_NEAR(out[0].landmarks[3].x, (2 + 0.3) * 16, 1e-4);
  EXPECT_NEAR(out[0].landmarks[3].y, (1 - 0.3) * 16, 1e-4);
}

TEST(YunetDecode, ScoresAreClampedBeforeTheRoot) {
  Heads h(1);
  h.cls[0] = 1.2f;  // a head slightly out of range must not give a score above 1
  h.obj[0] = 1.0f;
  std::vector<YunetCandidate> out;
  fer::detail::decode_yunet_level(h.level(32), {32, 32}, 0.f, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FLOAT_EQ(out[0].score, 1.f);
}

TEST(YunetDecode, OverlapsKeepTheStrongest) {
  std::vector<YunetCandidate> c(3);
  c[0].box = {0, 0, 100, 100}, c[0].score = 0.7f;
  c[1].box = {5, 5, 100, 100}, c[1].score = 0.9f;  // IoU with c[0] ~0.82
  c[2].box = {200, 0, 50, 50}, c[2].score = 0.6f;
  const auto kept = fer::detail::suppress_overlaps(c, 0.3f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
  EXPECT_FLOAT_EQ(kept[1].score, 0.6f);
  EXPECT_EQ(fer::detail::suppress_overlaps(c, 0.9f).size(), 3u);
}

TEST(YunetDecode, GeometryScalesTheLongestSideAndPadsTo32) {
  auto g = fer::detail::yunet_geometry({1280, 720}, 640);
  EXPECT_DOUBLE_EQ(g.scale, 0.5);
  EXPECT_EQ(g.scaled, cv::Size(640, 360));
  EXPECT_EQ(g.padded, cv::Size(640, 384));
  g = fer::detail::yunet_geometry({333, 250}, 0);
  EXPECT_DOUBLE_EQ(g.scale, 1.0);
  EXPECT_EQ(g.padded, cv::Size(352, 256));
  g = fer::detail::yunet_geometry({320, 240}, 640);  // up too
  EXPECT_DOUBLE_EQ(g.scale, 2.0);
  EXPECT_EQ(g.padded, cv::Size(640, 480));
}

TEST(YunetDetector, MissingOrWrongFilesAreNamed) {
  fer::DetectorOptions o;
  o.kind = fer::DetectorKind::Yunet;
  for (const std::string& model : {std::string(), std::string("/nonexistent/yunet.onnx")}) {
    o.model = model;
    try {
      fer::make_face_detector(o);
      FAIL() << "no error for '" << model << "'";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(model.empty() ? "ONNX" : model), std::string::npos) << what;
    }
  }
  const std::string junk = testing::TempDir() + "/not_a_model.onnx";
  std::ofstream(junk) << "not a model";
  o.model = junk;
  EXPECT_THROW(fer::make_face_detector(o), std::runtime_error);
}
