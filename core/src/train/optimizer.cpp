#include "optimizer.hpp"

#include <stdexcept>

namespace fer::train {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerOptions& o) {
  using namespace torch::optim;
  if (o.kind == "adam")
    return std::make_unique<Adam>(params, AdamOptions(o.lr).weight_decay(o.weight_decay).betas({o.momentum, 0.999}));
  if (o.kind == "adamw")
    return std::make_unique<AdamW>(params, AdamWOptions(o.lr).weight_decay(o.weight_decay).betas({o.momentum, 0.999}));
  if (o.kind == "sgd")
    return std::make_unique<SGD>(params, SGDOptions(o.lr).momentum(o.momentum).nesterov(true).weight_decay(o.weight_decay));
  throw std::invalid_argument("--optimizer must be adam, adamw or sgd (not '" + o.kind + "')");
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

void set_momentum(torch::optim::Optimizer& opt, double momentum) {
  using namespace torch::optim;
  for (auto& g : opt.param_groups()) {
    auto& options = g.options();
    if (auto* a = dynamic_cast<AdamOptions*>(&options)) a->betas({momentum, std::get<1>(a->betas())});
    else if (auto* w = dynamic_cast<AdamWOptions*>(&options)) w->betas({momentum, std::get<1>(w->betas())});
    else if (auto* s = dynamic_cast<SGDOptions*>(&options)) s->momentum(momentum);
  }
}

}  // namespace fer::train
