// torchvision's ResNet in the C++ frontend, with torchvision's parameter and buffer names
// (conv1.weight, layer1.0.bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, ...)
// so state dicts move between Python and C++ unchanged.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "emotion_net.hpp"

namespace fer {

struct ResNetSpec {
  std::string name;         // "resnet18", ...
  bool bottleneck = false;  // Bottleneck (expansion 4) or BasicBlock
  std::vector<int> layers;  // blocks per stage
};

// resnet18/34/50/101/152; throws std::invalid_argument for another name.
const ResNetSpec& resnet_spec(const std::string& arch);
const std::vector<ResNetSpec>& resnet_specs();

bool is_resnet(const std::string& arch);

class ResNetImpl : public EmotionNet {
 public:
  // in_channels: 3 (torchvision's) or 1 for grey input.
  ResNetImpl(const ResNetSpec& spec, int64_t num_classes, int64_t in_channels = 3);
  torch::Tensor forward(torch::Tensor x) override;

 private:
  torch::nn::Sequential make_stage(int64_t planes, int blocks, int64_t stride);

  ResNetSpec spec_;
  int64_t inplanes_ = 64;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};

}  // namespace fer
