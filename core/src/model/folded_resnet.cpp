#include "folded_resnet.hpp"

#include <fstream>
#include <string>

namespace fer {

bool cpu_has_native_bf16() {
  static const bool has = [] {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("flags", 0) == 0)
        return line.find(" avx512_bf16") != std::string::npos || line.find(" amx_bf16") != std::string::npos;
    return false;
  }();
  return has;
}

torch::Tensor FoldedResNet::Conv::operator()(const torch::Tensor& x) const {
  if (packed) return at::mkldnn_convolution(x, w, b, {padding, padding}, {stride, stride}, {1, 1}, 1);
  return torch::conv2d(x, w, b, stride, padding);
}

FoldedResNet::Conv FoldedResNet::fold(const StateDict& sd, const std::string& conv, const std::string& bn,
                                      int64_t stride) const {
  torch::NoGradGuard no_grad;
  const auto& w = sd.at(conv + ".weight");
  const auto scale = sd.at(bn + ".weight") / torch::sqrt(sd.at(bn + ".running_var") + 1e-5);
  Conv c;
  c.stride = stride;
  c.padding = w.size(2) / 2;
  c.packed = packed_;
  const auto folded_w = (w * scale.view({-1, 1, 1, 1})).to(torch::kFloat32);
  const auto folded_b = (sd.at(bn + ".bias") - sd.at(bn + ".running_mean") * scale).to(torch::kFloat32);
  if (packed_) {
    c.w = at::mkldnn_reorder_conv2d_weight(folded_w.contiguous().to_mkldnn(dtype_), {c.padding, c.padding},
                                           {stride, stride}, {1, 1}, 1);
    c.b = folded_b.contiguous().to_mkldnn();  // fp32 bias, as torch.utils.mkldnn keeps it for bf16
  } else {
    c.w = folded_w.to(device_, dtype_).contiguous(torch::MemoryFormat::ChannelsLast);
    c.b = folded_b.to(device_, dtype_);
  }
  return c;
}

FoldedResNet::FoldedResNet(const ResNetSpec& spec, const StateDict& sd, torch::ScalarType dtype, torch::Device device)
    : dtype_(dtype), device_(device), packed_(device.is_cpu() && torch::hasMKLDNN()) {
  stem_ = fold(sd, "conv1", "bn1", 2);
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
  fc_w_ = sd.at("fc.weight").to(device_, torch::kFloat32);
  fc_b_ = sd.at("fc.bias").to(device_, torch::kFloat32);
}

torch::Tensor FoldedResNet::forward(const torch::Tensor& input) const {
  torch::Tensor x = packed_ ? input.to(torch::kFloat32).contiguous().to_mkldnn(dtype_)
                            : input.to(device_, dtype_).contiguous(torch::MemoryFormat::ChannelsLast);
  x = torch::max_pool2d(torch::relu(stem_(x)), 3, 2, 1);
  for (const auto& b : blocks_) {
    torch::Tensor y = x;
    for (size_t k = 0; k < b.convs.size(); ++k) {
      y = b.convs[k](y);
      if (k + 1 < b.convs.size()) y = torch::relu(y);
    }
    x = torch::relu(y + (b.downsample ? (*b.downsample)(x) : x));
  }
  if (packed_) x = x.to_dense();
  x = torch::adaptive_avg_pool2d(x.to(torch::kFloat32), {1, 1}).flatten(1);
  return torch::linear(x, fc_w_, fc_b_);
}

}  // namespace fer
