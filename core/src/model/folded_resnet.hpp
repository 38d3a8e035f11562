// An inference-only copy of a ResNet: every BatchNorm folded into the convolution before it,
// optionally in bf16. On the CPU the weights are packed once into oneDNN's blocked layout and the
// activations stay in it from stem to pooling: LibTorch's dense convolution re-packs every weight
// on every call (53 reorders, a quarter of a bf16 ResNet50's time, seen with ONEDNN_VERBOSE).
// Elsewhere weights are kept channels_last. The module itself stays for saving and training.
#pragma once

#include <optional>
#include <vector>

#include <torch/torch.h>

#include "resnet.hpp"
#include "state_dict.hpp"

namespace fer {

class FoldedResNet {
 public:
  FoldedResNet(const ResNetSpec& spec, const StateDict& sd, torch::ScalarType dtype, torch::Device device);
  // float32 NCHW in, float32 logits out, whatever the internal precision.
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::ScalarType dtype() const { return dtype_; }

 private:
  struct Conv {
    torch::Tensor w, b;
    int64_t stride = 1, padding = 0;
    bool packed = false;  // w and b are oneDNN tensors; x must be one too
    torch::Tensor operator()(const torch::Tensor& x) const;
  };
  struct Block {
    std::vector<Conv> convs;  // 2 (basic) or 3 (bottleneck)
    std::optional<Conv> downsample;
  };
  Conv fold(const StateDict& sd, const std::string& conv, const std::string& bn, int64_t stride) const;

  torch::ScalarType dtype_;
  torch::Device device_;
  bool packed_;
  Conv stem_;
  std::vector<Block> blocks_;
  torch::Tensor fc_w_, fc_b_;
};

// True where the CPU multiplies bf16 natively (AVX512-BF16 or AMX): only there is bf16 faster.
bool cpu_has_native_bf16();

}  // namespace fer
