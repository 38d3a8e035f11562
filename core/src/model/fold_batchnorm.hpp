// BatchNorm folded into the convolution before it: the one rule every inference copy uses.
#pragma once

#include <string>
#include <utility>

#include <torch/torch.h>

#include "runtime/onednn_graph.hpp"
#include "state_dict.hpp"

namespace fer {

// w * g / sqrt(var + eps) and beta - mean * g / sqrt(var + eps), fp32 contiguous. bn "": no
// BatchNorm, the convolution's own bias (or none: an empty tensor).
std::pair<torch::Tensor, torch::Tensor> fold_batchnorm(const StateDict& sd, const std::string& conv,
                                                       const std::string& bn);

// The same for the oneDNN graph: OIHW weights (O x I/groups x k x k) and the bias. A depthwise
// convolution has one group per channel.
onednn::ConvWeights folded_conv(const StateDict& sd, const std::string& conv, const std::string& bn, int stride,
                                int pad = -1, int groups = 1);

}  // namespace fer
