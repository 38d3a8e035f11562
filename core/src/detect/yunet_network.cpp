#include "detect/yunet_network.hpp"

#include <cmath>
#include <map>
#include <stdexcept>

#include "runtime/cpu_features.hpp"
#include "runtime/inference_threads.hpp"
#include "runtime/onednn_graph.hpp"

namespace fer::detail {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// The 2023 YuNet's 53 convolutions in graph order, as (out, in per group, kernel): a 3x3 stem,
// 1x1 + depthwise 3x3 blocks (16 to 64 channels), then per head (cls, bbox, obj, kps) and per
// stride (8, 16, 32) a 1x1 from 64 channels and a depthwise 3x3.
struct Shape {
  int out, in, k;
};

std::vector<Shape> yunet_shapes() {
  std::vector<Shape> s{{16, 3, 3}};
  auto block = [&](int in, int out) {
    s.push_back({out, in, 1});
    s.push_back({out, 1, 3});
  };
  block(16, 16);
  block(16, 16);
  block(16, 32);
  block(32, 32);
  block(32, 64);
  for (int i = 0; i < 9; ++i) block(64, 64);  // stride 8 x2, 16 x2, 32 x3, the two neck blocks
  for (int c : {1, 4, 1, 10})
    for (int level = 0; level < 3; ++level) block(64, c);
  return s;
}
constexpr size_t kHeadsStart = 29;  // index of the first head convolution
constexpr int kHeadChannels = 16;   // cls, obj, bbox x4, kps x10: the four heads of a stride merged

using onednn::ConvWeights;

}  // namespace

struct YunetNetwork::Impl {
  dt type = dt::f32;
  std::shared_ptr<onednn::Context> context = std::make_shared<onednn::Context>();
  std::vector<ConvWeights> convs;  // stem, backbone and neck
  std::vector<bool> relu;          // after each of convs
  ConvWeights head1[3], head3[3];  // per stride, the four heads merged

  // A graph per input size, built on the first input of that size (full searches and the near
  // searches' fixed square: two in an element).
  struct Plan {
    std::unique_ptr<onednn::Graph> graph;
    memory input;     // the caller's 8-bit BGR
    memory heads[3];  // 1 x 16 x h x w fp32 in nChw16c: for 16 channels, cell after cell
  };
  std::map<std::pair<int, int>, Plan> plans;

  memory block(onednn::Graph& g, const memory& x, size_t& i) const {
    i += 2;
    return g.conv(convs[i - 1], g.conv(convs[i - 2], x, relu[i - 2]), relu[i - 1]);
  }

  Plan& plan_for(int rows, int cols) {
    Plan& plan = plans[{rows, cols}];
    if (plan.graph) return plan;
    plan.graph = std::make_unique<onednn::Graph>(type, context);
    auto& g = *plan.graph;
    plan.input = g.external({1, 3, rows, cols}, dt::u8, tag::nhwc);
    size_t i = 1;
    auto x = block(g, g.conv(convs[0], g.reorder(plan.input, tag::nchw), relu[0]), i);
    x = g.max_pool(x, 2, 2, 0);
    for (int k = 0; k < 4; ++k) x = block(g, x, i);
    const auto p8 = block(g, block(g, g.max_pool(x, 2, 2, 0), i), i);
    const auto p16 = block(g, block(g, g.max_pool(p8, 2, 2, 0), i), i);
    const auto n32 = block(g, block(g, block(g, g.max_pool(p16, 2, 2, 0), i), i), i);
    const auto n16 = block(g, g.upsample_add(p16, n32), i);
    const auto n8 = block(g, g.upsample_add(p8, n16), i);
    const memory* levels[] = {&n8, &n16, &n32};
    for (int level = 0; level < 3; ++level) {
      plan.heads[level] = g.conv(head3[level], g.conv(head1[level], *levels[level], false), false, nullptr, true);
      // Decoding reads a cell's 16 channels side by side: one 16-channel block, whatever the CPU.
      if (plan.heads[level].get_desc() != memory::desc(plan.heads[level].get_desc().dims(), dt::f32, tag::nChw16c))
        plan.heads[level] = g.reorder(plan.heads[level], tag::nChw16c, dt::f32);
      g.keep(plan.heads[level]);
    }
    return plan;
  }
};

YunetNetwork::YunetNetwork(cv::dnn::Net& net, bool bf16) : impl_(std::make_unique<Impl>()) {
  impl_->type = bf16 ? dt::bf16 : dt::f32;
  std::vector<ConvWeights> all;
  std::vector<bool> relu;
  for (const auto& name : net.getLayerNames()) {
    const auto layer = net.getLayer(net.getLayerId(name));
    if (layer->type != "Convolution") continue;
    if (layer->blobs.size() != 2 || layer->blobs[0].dims != 4 || layer->blobs[0].type() != CV_32F)
      throw std::runtime_error("convolution '" + name + "' is not a float weight and a bias");
    const cv::Mat& w = layer->blobs[0];
    const cv::Mat b = layer->blobs[1].reshape(1, 1);
    ConvWeights c;
    c.out = w.size[0];
    c.in = w.size[1];
    c.k = w.size[2];
    c.w.assign(w.ptr<float>(), w.ptr<float>() + w.total());
    c.b.assign(b.ptr<float>(), b.ptr<float>() + b.total());
    all.push_back(std::move(c));
  }
  const auto shapes = yunet_shapes();
  if (all.size() != shapes.size())
    throw std::runtime_error(std::to_string(all.size()) + " convolutions, not YuNet 2023's " +
                             std::to_string(shapes.size()));
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto& s = shapes[i];
    auto& c = all[i];
    if (c.out != s.out || c.in != s.in || c.k != s.k || c.w.size() != static_cast<size_t>(s.out * s.in * s.k * s.k) ||
        c.b.size() != static_cast<size_t>(s.out))
      throw std::runtime_error("convolution " + std::to_string(i) + " is not YuNet 2023's");
    c.groups = s.k == 3 && s.in == 1 ? s.out : 1;  // depthwise
    c.stride = i == 0 ? 2 : 1;
    relu.push_back(i < kHeadsStart && (i == 0 || s.k == 3));  // the stem and every backbone 3x3
  }
  impl_->convs.assign(all.begin(), all.begin() + kHeadsStart);
  impl_->relu.assign(relu.begin(), relu.begin() + kHeadsStart);
  // Per stride, the 1x1s of cls, obj, bbox and kps stacked (1 + 1 + 4 + 10 = 16 outputs), then
  // their 3x3s, each depthwise, as one depthwise 3x3: 2 convolutions a stride instead of 8.
  for (int level = 0; level < 3; ++level) {
    auto& h1 = impl_->head1[level];
    auto& h3 = impl_->head3[level];
    h1.in = 64;
    h3.in = 1;
    h3.k = 3;
    h1.out = h3.out = h3.groups = kHeadChannels;
    for (int kind : {0, 2, 1, 3}) {  // the file's order is cls, bbox, obj, kps
      const auto& a = all[kHeadsStart + 2 * (3 * kind + level)];
      const auto& b = all[kHeadsStart + 2 * (3 * kind + level) + 1];
      h1.w.insert(h1.w.end(), a.w.begin(), a.w.end());
      h1.b.insert(h1.b.end(), a.b.begin(), a.b.end());
      h3.w.insert(h3.w.end(), b.w.begin(), b.w.end());
      h3.b.insert(h3.b.end(), b.b.begin(), b.b.end());
    }
  }
}

YunetNetwork::~YunetNetwork() = default;

bool YunetNetwork::native_bf16() { return cpu_has_native_bf16(); }

bool YunetNetwork::bf16() const { return impl_->type == dt::bf16; }

void YunetNetwork::forward(const cv::Mat& bgr, std::vector<cv::Mat>& heads) {
  if (bgr.type() != CV_8UC3 || !bgr.isContinuous() || bgr.rows % 32 || bgr.cols % 32)
    throw std::runtime_error("YuNet input must be continuous 8-bit BGR with sides multiples of 32");
  prepare_inference_thread();  // oneDNN runs on the calling thread's OpenMP team, as LibTorch does
  auto& m = *impl_;
  auto& plan = m.plan_for(bgr.rows, bgr.cols);
  plan.input.set_data_handle(bgr.data);
  plan.graph->run();

  // To the file's outputs: per stride, cells x {1 (cls, sigmoid), 1 (obj, sigmoid), 4, 10}.
  heads.resize(12);
  for (int level = 0; level < 3; ++level) {
    const auto dims = plan.heads[level].get_desc().dims();
    const int cells = static_cast<int>(dims[2] * dims[3]);
    const auto* h = static_cast<const float*>(plan.heads[level].get_data_handle());
    cv::Mat* out = &heads[4 * level];
    out[0].create(cells, 1, CV_32F);
    out[1].create(cells, 1, CV_32F);
    out[2].create(cells, 4, CV_32F);
    out[3].create(cells, 10, CV_32F);
    for (int c = 0; c < cells; ++c, h += kHeadChannels) {
      out[0].at<float>(c) = 1.f / (1.f + std::exp(-h[0]));
      out[1].at<float>(c) = 1.f / (1.f + std::exp(-h[1]));
      std::copy(h + 2, h + 6, out[2].ptr<float>(c));
      std::copy(h + 6, h + 16, out[3].ptr<float>(c));
    }
  }
}

}  // namespace fer::detail
