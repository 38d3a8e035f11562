#include "xception.hpp"

#include <stdexcept>

namespace fer {
namespace nn = torch::nn;

const std::vector<XceptionSpec>& xception_specs() {
  // xception2 is big_XCEPTION (FER2013, ~205k weights); xception3 adds a 512-wide block.
  static const std::vector<XceptionSpec> specs{{"xception2", {128, 256}}, {"xception3", {128, 256, 512}}};
  return specs;
}

bool is_xception(const std::string& arch) {
  for (const auto& s : xception_specs())
    if (s.name == arch) return true;
  return false;
}

const XceptionSpec& xception_spec(const std::string& arch) {
  for (const auto& s : xception_specs())
    if (s.name == arch) return s;
  throw std::invalid_argument("unknown architecture '" + arch + "' (known Xceptions: xception2, xception3)");
}

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(padding).groups(groups).bias(false));
}

class SeparableImpl : public nn::Module {
 public:
  SeparableImpl(int64_t in, int64_t out)
      : depthwise(register_module("depthwise", conv(in, in, 3, 1, 1, in))),
        pointwise(register_module("pointwise", conv(in, out, 1, 1, 0))) {}
  torch::Tensor forward(const torch::Tensor& x) { return pointwise(depthwise(x)); }

  nn::Conv2d depthwise, pointwise;
};
TORCH_MODULE(Separable);

class XBlockImpl : public nn::Module {
 public:
  XBlockImpl(int64_t in, int64_t out)
      : shortcut(register_module("shortcut", nn::Sequential(conv(in, out, 1, 2, 0), nn::BatchNorm2d(out)))),
        sep1(register_module("sep1", Separable(in, out))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        sep2(register_module("sep2", Separable(out, out))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    // The ReLU before sep1 is big_XCEPTION's: the shortcut sees the block's input before it.
    auto y = bn2(sep2(torch::relu(bn1(sep1(torch::relu(x))))));
    return torch::max_pool2d(y, 3, 2, 1) + shortcut->forward(x);
  }

  nn::Sequential shortcut;
  Separable sep1;
  nn::BatchNorm2d bn1;
  Separable sep2;
  nn::BatchNorm2d bn2;
};
TORCH_MODULE(XBlock);

}  // namespace

XceptionImpl::XceptionImpl(const XceptionSpec& spec, int64_t num_classes, int64_t in_channels) {
  stem = register_module("stem", nn::Sequential(conv(in_channels, kXceptionStem[0], 3, 2, 0),
                                                nn::BatchNorm2d(kXceptionStem[0]), nn::ReLU(),
                                                conv(kXceptionStem[0], kXceptionStem[1], 3, 1, 0),
                                                nn::BatchNorm2d(kXceptionStem[1]), nn::ReLU()));
  blocks = register_module("blocks", nn::Sequential());
  int64_t in = kXceptionStem[1];
  for (int out : spec.blocks) {
    blocks->push_back(XBlock(in, out));
    in = out;
  }
  classifier = register_module("classifier", nn::Conv2d(nn::Conv2dOptions(in, num_classes, 3).padding(1)));
  for (auto& m : modules(/*include_self=*/false)) {  // as the ResNets: Kaiming for convolutions
    if (auto* c = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (c->options.bias()) nn::init::zeros_(c->bias);
    } else if (auto* b = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(b->weight);
      nn::init::zeros_(b->bias);
    }
  }
}

torch::Tensor XceptionImpl::forward(torch::Tensor x) {
  return classifier(blocks->forward(stem->forward(x))).mean({2, 3});
}

}  // namespace fer
