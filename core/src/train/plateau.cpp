#include "fer/train/plateau.hpp"

#include <algorithm>
#include <cmath>

namespace fer::train {

ReduceLROnPlateau::ReduceLROnPlateau(double lr, Options opts)
    : opts_(opts), lr_(lr),
      best_(opts.mode == Mode::Min ? std::numeric_limits<double>::infinity()
                                   : -std::numeric_limits<double>::infinity()) {}

// PyTorch's _is_better, for the four mode/threshold_mode combinations.
bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (opts_.mode == Mode::Min)
    return opts_.threshold_mode == Threshold::Rel ? a < best * (1 - opts_.threshold) : a < best - opts_.threshold;
  return opts_.threshold_mode == Threshold::Rel ? a > best * (opts_.threshold + 1) : a > best + opts_.threshold;
}

double ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // PyTorch ignores bad epochs during cooldown
  }
  if (num_bad_epochs_ > opts_.patience) {
    const double new_lr = std::max(lr_ * opts_.factor, opts_.min_lr);
    if (lr_ - new_lr > opts_.eps) lr_ = new_lr;
    cooldown_counter_ = opts_.cooldown;
    num_bad_epochs_ = 0;
  }
  return lr_;
}

void ReduceLROnPlateau::set_state(const State& s) {
  lr_ = s.lr;
  best_ = s.best;
  num_bad_epochs_ = s.num_bad_epochs;
  cooldown_counter_ = s.cooldown_counter;
  last_epoch_ = s.last_epoch;
}

}  // namespace fer::train
