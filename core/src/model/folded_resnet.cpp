#include "folded_resnet.hpp"

#include "fold_batchnorm.hpp"

#include <array>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace fer {

torch::Tensor FoldedResNet::Conv::operator()(const torch::Tensor& x) const {
  return torch::conv2d(x, w, b, stride, padding);
}

FoldedResNet::Conv FoldedResNet::fold(const StateDict& sd, const std::string& conv, const std::string& bn,
                                      int64_t stride) const {
  Conv c;
  c.stride = stride;
  c.padding = sd.at(conv + ".weight").size(2) / 2;
  if (packed_) {
    c.dnnl = folded_conv(sd, conv, bn, static_cast<int>(stride));
  } else {
    const auto [w, b] = fold_batchnorm(sd, conv, bn);
    c.w = w.to(device_, dtype_).contiguous(torch::MemoryFormat::ChannelsLast);
    c.b = b.to(device_, dtype_);
  }
  return c;
}

FoldedResNet::FoldedResNet(const ResNetSpec& spec, const StateDict& sd, const onednn::Numerics& numerics,
                           torch::Device device)
    : dtype_(numerics.type == dnnl::memory::data_type::bf16 ? torch::kBFloat16 : torch::kFloat32), device_(device),
      packed_(device.is_cpu()), graphs_(std::make_unique<onednn::GraphCache>(numerics)) {
  stem_ = fold(sd, "conv1", "bn1", 2);
  // int8: the stem stays fp32 (3 input channels use a VNNI unit poorly, and its input is the image).
  stem_.dnnl.int8 = false;
  for (int stage = 0; stage < 4; ++stage) {
    for (int i = 0; i < spec.layers[stage]; ++i) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(i) + ".";
      const int64_t stride = (stage > 0 && i == 0) ? 2 : 1;
      Block b;
      // Same stride placement as ResNetImpl: 3x3 conv of a bottleneck, first conv of a basic block.
      const int n = spec.bottleneck ? 3 : 2;
      for (int k = 1; k <= n; ++k) {
        const bool strided = spec.bottleneck ? k == 2 : k == 1;
        b.convs.push_back(fold(sd, p + "conv" + std::to_string(k), p + "bn" + std::to_string(k), strided ? stride : 1));
      }
      if (sd.count(p + "downsample.0.weight")) b.downsample = fold(sd, p + "downsample.0", p + "downsample.1", stride);
      blocks_.push_back(std::move(b));
    }
  }
  // The head stays fp32 in every precision: pooling and a 2048 x classes product cost nothing, and
  // bf16 rounding there would flip labels whose top two scores are close.
  std::vector<const onednn::ConvWeights*> convs{&stem_.dnnl};
  for (const auto& b : blocks_) {
    for (const auto& c : b.convs) convs.push_back(&c.dnnl);
    if (b.downsample) convs.push_back(&b.downsample->dnnl);
  }
  onednn::require_calibration(numerics, convs);
  fc_w_ = sd.at("fc.weight").to(device_, torch::kFloat32);
  fc_b_ = sd.at("fc.bias").to(device_, torch::kFloat32);
}

FoldedResNet::~FoldedResNet() = default;

std::map<std::string, std::vector<float>> FoldedResNet::observed() const { return graphs_->observed(); }

torch::Tensor FoldedResNet::forward(const torch::Tensor& input) const {
  if (packed_) return forward_onednn(input);
  torch::Tensor x = input.to(device_, dtype_).contiguous(torch::MemoryFormat::ChannelsLast);
  x = torch::max_pool2d(torch::relu(stem_(x)), 3, 2, 1);
  for (const auto& b : blocks_) {
    torch::Tensor y = x;
    for (size_t k = 0; k < b.convs.size(); ++k) {
      y = b.convs[k](y);
      if (k + 1 < b.convs.size()) y = torch::relu(y);
    }
    x = torch::relu(y + (b.downsample ? (*b.downsample)(x) : x));
  }
  x = torch::adaptive_avg_pool2d(x.to(torch::kFloat32), {1, 1}).flatten(1);
  return torch::linear(x, fc_w_, fc_b_);
}

torch::Tensor FoldedResNet::forward_onednn(const torch::Tensor& input) const {
  using tag = dnnl::memory::format_tag;
  const auto x = input.to(torch::kFloat32).contiguous();
  const auto build = [this](onednn::Graph& g, const dnnl::memory& in) {
    auto a = g.max_pool(g.conv(stem_.dnnl, g.reorder(in, tag::nchw), true), 3, 2, 1);
    for (const auto& b : blocks_) {
      // The last convolution adds onto the shortcut in place, then ReLU: one pass, no extra buffer.
      const auto shortcut = b.downsample ? g.conv(b.downsample->dnnl, a, false) : a;
      auto y = a;
      for (size_t k = 0; k + 1 < b.convs.size(); ++k) y = g.conv(b.convs[k].dnnl, y, true);
      a = g.conv(b.convs.back().dnnl, y, true, &shortcut);
    }
    return g.global_avg_pool(a);
  };
  torch::Tensor logits;
  graphs_->run(x.data_ptr<float>(), {x.size(0), x.size(1), x.size(2), x.size(3)}, build, [&](const float* pooled) {
    // The head stays fp32 in every precision (see the constructor); linear makes a new tensor.
    logits = torch::linear(torch::from_blob(const_cast<float*>(pooled), {x.size(0), fc_w_.size(1)}, torch::kFloat32),
                           fc_w_, fc_b_);
  });
  return logits;
}

}  // namespace fer
