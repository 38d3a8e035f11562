// Matching a name -> tensor map against torchvision's ResNets.
#pragma once

#include <map>
#include <string>

#include <torch/torch.h>

#include "resnet.hpp"

namespace fer {

using StateDict = std::map<std::string, torch::Tensor>;

// Drops the "module." prefix DataParallel/DistributedDataParallel add.
StateDict strip_module_prefix(StateDict sd);

// Which ResNet these keys describe, from the block counts and the presence of conv3;
// throws std::runtime_error saying what was found when none fits.
const ResNetSpec& infer_resnet(const StateDict& sd);

// Copies every tensor into the model; throws naming missing, unexpected or mis-shaped keys.
void load_state_dict(torch::nn::Module& model, const StateDict& sd);
StateDict state_dict_of(const torch::nn::Module& model);

}  // namespace fer
