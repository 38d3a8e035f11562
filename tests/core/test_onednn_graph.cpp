// The oneDNN graph builder against values computed by hand: fused ReLU and residual sums,
// pooling, nearest upsampling, and activations sharing memory without clobbering each other.
#include <gtest/gtest.h>

#include <vector>

#include "runtime/onednn_graph.hpp"

namespace {

using fer::onednn::ConvWeights;
using dnnl::memory;

// A 1x1 convolution that scales every channel by `scale` and adds `bias`.
ConvWeights scale_conv(int channels, float scale, float bias) {
  ConvWeights c;
  c.out = c.in = channels;
  c.w.assign(channels * channels, 0.f);
  for (int i = 0; i < channels; ++i) c.w[i * channels + i] = scale;
  c.b.assign(channels, bias);
  return c;
}

// 1 x C x H x W fp32 NCHW: value = channel * 100 + row * 10 + col, minus `shift`.
std::vector<float> ramp(int c, int h, int w, float shift) {
  std::vector<float> v;
  for (int k = 0; k < c; ++k)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) v.push_back(k * 100.f + y * 10.f + x - shift);
  return v;
}

// Reads a graph output into NCHW fp32 through a reorder (its layout is oneDNN's choice).
std::vector<float> read(const memory& m) {
  const auto dims = m.get_desc().dims();
  std::vector<float> out(dims[0] * dims[1] * dims[2] * dims[3]);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  memory plain({dims, memory::data_type::f32, memory::format_tag::nchw}, engine, out.data());
  memory src(m.get_desc(), engine, m.get_data_handle());
  dnnl::reorder(src, plain).execute(stream, src, plain);
  stream.wait();
  return out;
}

}  // namespace

TEST(OnednnGraph, ResidualBlockWithFusedSumAndReluMatchesHandComputation) {
  const int C = 16, H = 4, W = 6;
  auto ctx = std::make_shared<fer::onednn::Context>();
  fer::onednn::Graph g(memory::data_type::f32, ctx);
  auto input = g.external({1, C, H, W}, memory::data_type::f32, memory::format_tag::nchw);
  const auto x = g.reorder(input, memory::format_tag::nChw16c);
  const auto a = scale_conv(C, 2.f, 1.f), b = scale_conv(C, -1.f, 0.f), d = scale_conv(C, 0.5f, 3.f);
  const auto y = g.conv(a, x, true);               // relu(2v + 1)
  const auto shortcut = g.conv(d, x, false);       // 0.5v + 3
  const auto out = g.conv(b, y, true, &shortcut);  // relu(-relu(2v + 1) + 0.5v + 3), in place
  const auto pooled = g.global_avg_pool(out);
  g.keep(out);
  g.keep(pooled);
  std::vector<float> v = ramp(C, H, W, 20.f);
  input.set_data_handle(v.data());
  g.run();

  const auto got = read(out), avg = read(pooled);
  for (int k = 0; k < C; ++k) {
    double sum = 0;
    for (int i = 0; i < H * W; ++i) {
      const float u = v[k * H * W + i];
      const float want = std::max(0.f, -std::max(0.f, 2 * u + 1) + 0.5f * u + 3);
      EXPECT_FLOAT_EQ(got[k * H * W + i], want) << "channel " << k << " cell " << i << " input " << u;
      sum += want;
    }
    EXPECT_NEAR(avg[k], sum / (H * W), 1e-4) << "channel " << k;
  }
}

TEST(OnednnGraph, PoolingUpsamplingAndAChainShareMemoryWithoutClobbering) {
  const int C = 16, H = 8, W = 8;
  auto ctx = std::make_shared<fer::onednn::Context>();
  fer::onednn::Graph g(memory::data_type::f32, ctx);
  auto input = g.external({1, C, H, W}, memory::data_type::f32, memory::format_tag::nchw);
  auto x = g.reorder(input, memory::format_tag::nChw16c);
  const auto fine = x;
  // Eight +1 convolutions: dead intermediates can share bytes, `fine` (used at the end) cannot.
  for (int i = 0; i < 8; ++i) x = g.conv(scale_conv(C, 1.f, 1.f), x, false);
  const auto coarse = g.max_pool(x, 2, 2, 0);     // max of each 2x2 cell of v + 8
  const auto sum = g.upsample_add(fine, coarse);  // v + max of its 2x2 cell + 8
  g.keep(sum);
  std::vector<float> v = ramp(C, H, W, 0.f);
  input.set_data_handle(v.data());
  g.run();

  const auto got = read(sum);
  for (int k = 0; k < C; ++k)
    for (int y = 0; y < H; ++y)
      for (int x2 = 0; x2 < W; ++x2) {
        const int cy = y / 2 * 2, cx = x2 / 2 * 2;  // the cell's top-left; its max is bottom-right
        const float want = v[(k * H + y) * W + x2] + v[(k * H + cy + 1) * W + cx + 1] + 8;
        ASSERT_FLOAT_EQ(got[(k * H + y) * W + x2], want) << k << "," << y << "," << x2;
      }
  EXPECT_LT(g.arena_bytes(), g.unshared_bytes() / 2) << "intermediates should share memory";
}
