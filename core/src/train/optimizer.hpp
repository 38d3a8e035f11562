// The optimizers fer-train offers, behind one interface for the loop, the schedules and --resume.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace fer::train {

struct OptimizerOptions {
  std::string kind = "adam";  // adam (L2 weight decay, as torch.optim.Adam), adamw (decoupled), sgd (Nesterov)
  double lr = 1e-4, weight_decay = 0;
  double momentum = 0.9;      // SGD's momentum; Adam's beta1
};

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerOptions& o);
void set_lr(torch::optim::Optimizer& opt, double lr);
// SGD's momentum or Adam's beta1, as OneCycleLR's cycle_momentum sets them.
void set_momentum(torch::optim::Optimizer& opt, double momentum);

}  // namespace fer::train
