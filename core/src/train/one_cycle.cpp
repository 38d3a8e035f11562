#include "fer/train/one_cycle.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace fer::train {

OneCycle::OneCycle(Options o) : o_(o) {
  if (o.total_steps < 1) throw std::invalid_argument("one-cycle schedule: total steps must be positive");
  if (!(o.pct_start > 0 && o.pct_start < 1)) throw std::invalid_argument("--warmup must be in (0, 1)");
  if (o.div_factor <= 0 || o.final_div_factor <= 0) throw std::invalid_argument("one-cycle divisors must be positive");
  if (o.pct_start * static_cast<double>(o.total_steps) <= 1)
    throw std::invalid_argument("one-cycle schedule: the warm-up is under two steps (" + std::to_string(o.total_steps) +
                                " steps in all); raise --warmup or --epochs");
}

// PyTorch's get_lr: phase 1 ends at pct_start * total - 1 (a float), phase 2 at total - 1.
double OneCycle::anneal(long step, double a, double b, double c) const {
  if (step < 0 || step > o_.total_steps)
    throw std::out_of_range("one-cycle schedule: step " + std::to_string(step) + " beyond its " +
                            std::to_string(o_.total_steps) + " steps");
  const double end1 = o_.pct_start * static_cast<double>(o_.total_steps) - 1;
  const double end2 = static_cast<double>(o_.total_steps) - 1;
  const auto cos_anneal = [](double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1);
  };
  const double s = static_cast<double>(step);
  if (s <= end1) return cos_anneal(a, b, s / end1);
  return cos_anneal(b, c, (s - end1) / (end2 - end1));
}

double OneCycle::lr(long step) const {
  const double initial = o_.max_lr / o_.div_factor;
  return anneal(step, initial, o_.max_lr, initial / o_.final_div_factor);
}

double OneCycle::momentum(long step) const {
  return anneal(step, o_.max_momentum, o_.base_momentum, o_.max_momentum);
}

}  // namespace fer::train
