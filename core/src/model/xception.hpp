// A small Xception family for faces: the layout of oarriaga/face_classification's FER2013
// big_XCEPTION (the public model fer-import converts), any depth, grey or colour, any class count.
//
//   stem:   conv 3x3 /2 (no padding) + BN + ReLU, conv 3x3 (no padding) + BN + ReLU
//   block:  shortcut = BN(conv 1x1 /2)
//           y = BN(sep2(ReLU(BN(sep1(ReLU(x))))));  out = maxpool 3x3 /2 pad 1 (y) + shortcut
//           sep = depthwise 3x3 (pad 1) then pointwise 1x1, no bias
//   head:   conv 3x3 (pad 1, bias) to one map per class, averaged over the map: the logits
//
// Parameter names (what Python's load_state_dict sees): stem.0.weight, stem.1.{weight,bias,
// running_mean,running_var}, stem.3.weight, stem.4.*, blocks.<i>.shortcut.{0,1}.*,
// blocks.<i>.sep1.depthwise.weight, blocks.<i>.sep1.pointwise.weight, blocks.<i>.bn1.*, sep2, bn2,
// classifier.{weight,bias}. The README shows the PyTorch module.
#pragma once

#include <string>
#include <vector>

#include "emotion_net.hpp"

namespace fer {

struct XceptionSpec {
  std::string name;         // "xception2", ...
  std::vector<int> blocks;  // output channels per block (each halves the map)
};
inline constexpr int kXceptionStem[2] = {32, 64};  // the stem's two convolutions' widths

const std::vector<XceptionSpec>& xception_specs();
// Throws std::invalid_argument for a name that is not in the family.
const XceptionSpec& xception_spec(const std::string& arch);
bool is_xception(const std::string& arch);

class XceptionImpl : public EmotionNet {
 public:
  XceptionImpl(const XceptionSpec& spec, int64_t num_classes, int64_t in_channels);
  torch::Tensor forward(torch::Tensor x) override;

 private:
  torch::nn::Sequential stem{nullptr};
  torch::nn::Sequential blocks{nullptr};
  torch::nn::Conv2d classifier{nullptr};
};

}  // namespace fer
