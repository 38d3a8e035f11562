#include "folded_xception.hpp"

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "fold_batchnorm.hpp"

namespace fer {

struct FoldedXception::Graphs {
  std::mutex mutex;  // one caller at a time: the graphs own their buffers
  std::shared_ptr<onednn::Context> context = std::make_shared<onednn::Context>();
  struct Plan {
    std::unique_ptr<onednn::Graph> graph;
    dnnl::memory input, logits;
  };
  std::map<std::array<int64_t, 4>, Plan> plans;  // by input shape
};

FoldedXception::FoldedXception(const XceptionSpec& spec, const StateDict& sd, bool bf16)
    : bf16_(bf16), graphs_(std::make_unique<Graphs>()) {
  stem1_ = folded_conv(sd, "stem.0", "stem.1", 2, 0);
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
}

FoldedXception::~FoldedXception() = default;

torch::Tensor FoldedXception::forward(const torch::Tensor& input) const {
  using tag = dnnl::memory::format_tag;
  const auto x = input.to(torch::kFloat32).contiguous();
  const std::array<int64_t, 4> shape{x.size(0), x.size(1), x.size(2), x.size(3)};
  std::lock_guard<std::mutex> lock(graphs_->mutex);
  auto& plan = graphs_->plans[shape];
  if (!plan.graph) {
    plan.graph = std::make_unique<onednn::Graph>(bf16_ ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32,
                                                 graphs_->context);
    auto& g = *plan.graph;
    plan.input = g.external({shape[0], shape[1], shape[2], shape[3]}, dnnl::memory::data_type::f32, tag::nchw);
    auto a = g.conv(stem2_, g.conv(stem1_, g.reorder(plan.input, tag::nchw), true), true);
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
    plan.logits = g.global_avg_pool(g.conv(head_, a, false, nullptr, /*f32_out=*/true));
    g.keep(plan.logits);
  }
  plan.input.set_data_handle(x.data_ptr());
  plan.graph->run();
  return torch::from_blob(plan.logits.get_data_handle(), {shape[0], head_.out}, torch::kFloat32).clone();
}

}  // namespace fer
