// Prints the learning rate and momentum fer::train::OneCycle gives for steps 0..TOTAL, one line each,
// for test_schedule.py:  one_cycle_probe MAX_LR TOTAL PCT_START DIV_FACTOR FINAL_DIV_FACTOR BASE_M MAX_M
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "fer/train/one_cycle.hpp"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s max_lr total pct_start div final_div base_momentum max_momentum\n", argv[0]);
    return 2;
  }
  fer::train::OneCycle::Options o;
  o.max_lr = std::atof(argv[1]);
  o.total_steps = std::atol(argv[2]);
  o.pct_start = std::atof(argv[3]);
  o.div_factor = std::atof(argv[4]);
  o.final_div_factor = std::atof(argv[5]);
  o.base_momentum = std::atof(argv[6]);
  o.max_momentum = std::atof(argv[7]);
  try {
    const fer::train::OneCycle s(o);
    for (long i = 0; i <= o.total_steps; ++i) std::printf("%.17g %.17g\n", s.lr(i), s.momentum(i));
    s.lr(o.total_steps + 1);  // must throw, as PyTorch's scheduler does past its steps
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 0;
  }
  std::printf("no error past the last step\n");
  return 1;
}
