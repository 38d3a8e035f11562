// An inference-only copy of a ResNet: every BatchNorm folded into the convolution before it,
// optionally in bf16. On the CPU it runs as a oneDNN graph (onednn_graph): weights packed once,
// activations in one blocked layout from stem to pooling, ReLU and the residual sums fused into
// the convolutions, one graph per batch size, nothing allocated per call. Through LibTorch's
// operators the same network re-packed every weight on every call (53 reorders, seen with
// ONEDNN_VERBOSE) and paid a dispatch, an allocation and a memory pass per ReLU and add.
// Elsewhere (CUDA) weights are kept channels_last. The module itself stays for saving and training.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "emotion_net.hpp"
#include "runtime/onednn_graph.hpp"
#include "resnet.hpp"
#include "runtime/cpu_features.hpp"
#include "state_dict.hpp"

namespace fer {

class FoldedResNet : public FoldedNet {
 public:
  // numerics.type: f32, bf16 or (on the CPU) int8.
  FoldedResNet(const ResNetSpec& spec, const StateDict& sd, const onednn::Numerics& numerics, torch::Device device);
  ~FoldedResNet() override;
  torch::Tensor forward(const torch::Tensor& x) const override;
  std::map<std::string, std::vector<float>> observed() const override;
  torch::ScalarType dtype() const { return dtype_; }

 private:
  struct Conv {
    torch::Tensor w, b;  // folded, dtype_, channels_last: off the CPU only
    int64_t stride = 1, padding = 0;
    onednn::ConvWeights dnnl;  // the CPU graph's copy
    torch::Tensor operator()(const torch::Tensor& x) const;
  };
  struct Block {
    std::vector<Conv> convs;  // 2 (basic) or 3 (bottleneck)
    std::optional<Conv> downsample;
  };
  Conv fold(const StateDict& sd, const std::string& conv, const std::string& bn, int64_t stride) const;

  torch::Tensor forward_onednn(const torch::Tensor& x) const;

  torch::ScalarType dtype_;
  torch::Device device_;
  bool packed_;  // on the CPU through oneDNN
  std::unique_ptr<onednn::GraphCache> graphs_;  // the oneDNN graphs, one per input shape
  Conv stem_;
  std::vector<Block> blocks_;
  torch::Tensor fc_w_, fc_b_;
};

}  // namespace fer
