#include "fold_batchnorm.hpp"

namespace fer {

std::pair<torch::Tensor, torch::Tensor> fold_batchnorm(const StateDict& sd, const std::string& conv,
                                                       const std::string& bn) {
  torch::NoGradGuard no_grad;
  const auto& w = sd.at(conv + ".weight");
  if (bn.empty()) {
    const auto it = sd.find(conv + ".bias");
    return {w.to(torch::kFloat32).contiguous(),
            it == sd.end() ? torch::Tensor() : it->second.to(torch::kFloat32).contiguous()};
  }
  const auto scale = sd.at(bn + ".weight") / torch::sqrt(sd.at(bn + ".running_var") + 1e-5);
  return {(w * scale.view({-1, 1, 1, 1})).to(torch::kFloat32).contiguous(),
          (sd.at(bn + ".bias") - sd.at(bn + ".running_mean") * scale).to(torch::kFloat32).contiguous()};
}

onednn::ConvWeights folded_conv(const StateDict& sd, const std::string& conv, const std::string& bn, int stride,
                                int pad, int groups) {
  const auto [w, b] = fold_batchnorm(sd, conv, bn);
  onednn::ConvWeights c;
  c.w.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  if (b.defined()) c.b.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());  // fp32 in bf16 too
  c.in = static_cast<int>(w.size(1));
  c.k = static_cast<int>(w.size(2));
  c.stride = stride;
  c.pad = pad;
  c.groups = groups;
  c.out = static_cast<int>(w.size(0));
  c.name = conv;
  return c;
}

}  // namespace fer
