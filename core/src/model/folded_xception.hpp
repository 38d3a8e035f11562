// The inference copy of an Xception (xception.hpp) on the same oneDNN path as the ResNets
// (folded_resnet.hpp): BatchNorm folded, weights packed once, one blocked layout throughout,
// ReLUs fused into the convolutions, each block's shortcut summed into its pooled output in
// place, the class maps computed and averaged in fp32. CPU only: elsewhere the module runs as is.
#pragma once

#include <memory>
#include <vector>

#include "emotion_net.hpp"
#include "runtime/onednn_graph.hpp"
#include "state_dict.hpp"
#include "xception.hpp"

namespace fer {

class FoldedXception : public FoldedNet {
 public:
  // numerics.type: f32, bf16 or int8.
  FoldedXception(const XceptionSpec& spec, const StateDict& sd, const onednn::Numerics& numerics);
  ~FoldedXception() override;
  torch::Tensor forward(const torch::Tensor& x) const override;
  std::map<std::string, std::vector<float>> observed() const override;

 private:
  struct Block {
    onednn::ConvWeights shortcut, depthwise1, pointwise1, depthwise2, pointwise2;
  };
  std::unique_ptr<onednn::GraphCache> graphs_;
  onednn::ConvWeights stem1_, stem2_, head_;
  std::vector<Block> blocks_;
};

}  // namespace fer
