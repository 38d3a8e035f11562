#include "folded_xception.hpp"

#include <string>

#include "fold_batchnorm.hpp"

namespace fer {

FoldedXception::FoldedXception(const XceptionSpec& spec, const StateDict& sd, const onednn::Numerics& numerics)
    : graphs_(std::make_unique<onednn::GraphCache>(numerics)) {
  stem1_ = folded_conv(sd, "stem.0", "stem.1", 2, 0);
  stem1_.int8 = false;  // int8: the image in, 1 or 3 channels: fp32
  stem2_ = folded_conv(sd, "stem.3", "stem.4", 1, 0);
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    Block b;
    b.shortcut = folded_conv(sd, p + "shortcut.0", p + "shortcut.1", 2, 0);
    const int in = static_cast<int>(sd.at(p + "sep1.depthwise.weight").size(0));
    b.depthwise1 = folded_conv(sd, p + "sep1.depthwise", "", 1, 1, in);
    b.pointwise1 = folded_conv(sd, p + "sep1.pointwise", p + "bn1", 1, 0);
    b.depthwise2 = folded_conv(sd, p + "sep2.depthwise", "", 1, 1, spec.blocks[i]);
    b.pointwise2 = folded_conv(sd, p + "sep2.pointwise", p + "bn2", 1, 0);
    blocks_.push_back(std::move(b));
  }
  head_ = folded_conv(sd, "classifier", "", 1, 1);
  head_.int8 = false;  // the class maps in fp32 (see forward)
  std::vector<const onednn::ConvWeights*> convs{&stem1_, &stem2_};
  for (const auto& b : blocks_)
    for (const auto* c : {&b.shortcut, &b.depthwise1, &b.pointwise1, &b.depthwise2, &b.pointwise2}) convs.push_back(c);
  onednn::require_calibration(numerics, convs);
}

FoldedXception::~FoldedXception() = default;

std::map<std::string, std::vector<float>> FoldedXception::observed() const { return graphs_->observed(); }

torch::Tensor FoldedXception::forward(const torch::Tensor& input) const {
  using tag = dnnl::memory::format_tag;
  const auto x = input.to(torch::kFloat32).contiguous();
  torch::Tensor logits;
  const auto build = [this](onednn::Graph& g, const dnnl::memory& in) {
    auto a = g.conv(stem2_, g.conv(stem1_, g.reorder(in, tag::nchw), true), true);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      const Block& b = blocks_[i];
      // The first block's input leaves the stem's ReLU already: a second one would change nothing.
      auto y = i == 0 ? a : g.relu(a);
      y = g.conv(b.pointwise1, g.conv(b.depthwise1, y, false), true);
      y = g.conv(b.pointwise2, g.conv(b.depthwise2, y, false), false);
      auto pooled = g.max_pool(y, 3, 2, 1);
      a = g.conv(b.shortcut, a, false, &pooled);  // pooled += shortcut(a)
    }
    // Class maps and their mean in fp32 whatever the precision: bf16 rounding of the logits would
    // flip labels whose top two scores are close.
    return g.global_avg_pool(g.conv(head_, a, false, nullptr, /*f32_out=*/true));
  };
  graphs_->run(x.data_ptr<float>(), {x.size(0), x.size(1), x.size(2), x.size(3)}, build, [&](const float* out) {
    logits = torch::from_blob(const_cast<float*>(out), {x.size(0), head_.out}, torch::kFloat32).clone();
  });
  return logits;
}

}  // namespace fer
