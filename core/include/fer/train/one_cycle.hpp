// torch.optim.lr_scheduler.OneCycleLR (two phases, cosine annealing), which LibTorch 1.13's C++
// API lacks: a warm-up from max_lr/div_factor to max_lr over pct_start of the steps, then a cosine
// fall to max_lr/(div_factor*final_div_factor). The momentum (SGD's, or Adam's beta1) moves the
// other way, between max_momentum and base_momentum, as PyTorch's cycle_momentum=True does.
#pragma once

namespace fer::train {

class OneCycle {
 public:
  struct Options {
    double max_lr = 1e-3;
    long total_steps = 1;
    double pct_start = 0.3;
    double div_factor = 25;
    double final_div_factor = 1e4;
    double base_momentum = 0.85, max_momentum = 0.95;
  };
  explicit OneCycle(Options o);
  // Values for optimizer step `step` (0 = the first); PyTorch's after `step` scheduler.step() calls
  // following the one its constructor makes. Throws std::out_of_range beyond total_steps, as PyTorch.
  double lr(long step) const;
  double momentum(long step) const;

 private:
  double anneal(long step, double phase1_start, double phase1_end, double phase2_end) const;
  Options o_;
};

}  // namespace fer::train
