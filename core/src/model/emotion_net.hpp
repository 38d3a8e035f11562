// What every trainable architecture is: a torch module mapping N x C x S x S images to N x classes
// logits, so the loader, the writer and the trainer handle ResNets and Xceptions alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace fer {

class EmotionNet : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

// The inference-only copy of a network (BatchNorm folded, packed for the CPU): float32 NCHW in,
// float32 logits out, whatever it computes in.
class FoldedNet {
 public:
  virtual ~FoldedNet() = default;
  virtual torch::Tensor forward(const torch::Tensor& x) const = 0;
  // Built observing (onednn::Numerics::observe): per convolution, its largest |output| on each
  // forward so far, for int8 calibration.
  virtual std::map<std::string, std::vector<float>> observed() const = 0;
};

}  // namespace fer
