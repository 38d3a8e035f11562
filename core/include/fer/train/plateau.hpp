// torch.optim.lr_scheduler.ReduceLROnPlateau, which LibTorch 1.13's C++ API lacks.
#pragma once

#include <limits>

namespace fer::train {

class ReduceLROnPlateau {
 public:
  enum class Mode { Min, Max };
  enum class Threshold { Rel, Abs };
  struct Options {
    Mode mode = Mode::Min;
    double factor = 0.1;
    int patience = 10;
    double threshold = 1e-4;
    Threshold threshold_mode = Threshold::Rel;
    int cooldown = 0;
    double min_lr = 0;
    double eps = 1e-8;
  };

  ReduceLROnPlateau(double lr, Options opts);
  // One epoch's metric; returns the learning rate to use from now on.
  double step(double metric);
  double lr() const { return lr_; }

  // What a resumed run needs, as PyTorch's state_dict keeps it.
  struct State {
    double lr, best;
    int num_bad_epochs, cooldown_counter, last_epoch;
  };
  State state() const { return {lr_, best_, num_bad_epochs_, cooldown_counter_, last_epoch_}; }
  void set_state(const State& s);

 private:
  bool is_better(double a, double best) const;

  Options opts_;
  double lr_;
  double best_;
  int num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace fer::train
