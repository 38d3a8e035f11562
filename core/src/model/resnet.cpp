#include "resnet.hpp"

#include <stdexcept>

namespace fer {
namespace nn = torch::nn;

const std::vector<ResNetSpec>& resnet_specs() {
  static const std::vector<ResNetSpec> specs{
      {"resnet18", false, {2, 2, 2, 2}},  {"resnet34", false, {3, 4, 6, 3}},
      {"resnet50", true, {3, 4, 6, 3}},   {"resnet101", true, {3, 4, 23, 3}},
      {"resnet152", true, {3, 8, 36, 3}},
  };
  return specs;
}

const ResNetSpec& resnet_spec(const std::string& arch) {
  for (const auto& s : resnet_specs())
    if (s.name == arch) return s;
  throw std::invalid_argument("unknown architecture '" + arch +
                              "' (known: resnet18, resnet34, resnet50, resnet101, resnet152)");
}

bool is_resnet(const std::string& arch) {
  for (const auto& s : resnet_specs())
    if (s.name == arch) return true;
  return false;
}

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

// Both block kinds; names follow torchvision (conv1..conv3, bn1..bn3, downsample.{0,1}).
class BlockImpl : public nn::Module {
 public:
  BlockImpl(bool bottleneck, int64_t inplanes, int64_t planes, int64_t stride) : bottleneck_(bottleneck) {
    const int64_t out = planes * (bottleneck ? 4 : 1);
    if (bottleneck) {
      // torchvision v1.5: the stride sits on the 3x3 convolution.
      conv1 = register_module("conv1", conv(inplanes, planes, 1, 1));
      bn1 = register_module("bn1", nn::BatchNorm2d(planes));
      conv2 = register_module("conv2", conv(planes, planes, 3, stride));
      bn2 = register_module("bn2", nn::BatchNorm2d(planes));
      conv3 = register_module("conv3", conv(planes, out, 1, 1));
      bn3 = register_module("bn3", nn::BatchNorm2d(out));
    } else {
      conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
      bn1 = register_module("bn1", nn::BatchNorm2d(planes));
      conv2 = register_module("conv2", conv(planes, planes, 3, 1));
      bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    }
    if (stride != 1 || inplanes != out)
      downsample = register_module("downsample", nn::Sequential(conv(inplanes, out, 1, stride),
                                                                nn::BatchNorm2d(out)));
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    if (bottleneck_) y = bn3(conv3(torch::relu(y)));
    return torch::relu(y + identity);
  }

 private:
  bool bottleneck_;
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Block);

}  // namespace

ResNetImpl::ResNetImpl(const ResNetSpec& spec, int64_t num_classes, int64_t in_channels) : spec_(spec) {
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in_channels, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  layer1 = register_module("layer1", make_stage(64, spec.layers[0], 1));
  layer2 = register_module("layer2", make_stage(128, spec.layers[1], 2));
  layer3 = register_module("layer3", make_stage(256, spec.layers[2], 2));
  layer4 = register_module("layer4", make_stage(512, spec.layers[3], 2));
  fc = register_module("fc", nn::Linear(512 * (spec.bottleneck ? 4 : 1), num_classes));

  // torchvision's initialisation, so training from scratch starts where Python's would.
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* b = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(b->weight);
      nn::init::zeros_(b->bias);
    }
  }
}

nn::Sequential ResNetImpl::make_stage(int64_t planes, int blocks, int64_t stride) {
  nn::Sequential stage;
  for (int i = 0; i < blocks; ++i) {
    stage->push_back(Block(spec_.bottleneck, inplanes_, planes, i == 0 ? stride : 1));
    inplanes_ = planes * (spec_.bottleneck ? 4 : 1);
  }
  return stage;
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = torch::relu(bn1(conv1(x)));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (auto* stage : {&layer1, &layer2, &layer3, &layer4}) x = (*stage)->forward(x);
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc(x);
}

}  // namespace fer
