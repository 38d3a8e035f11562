// Prints the learning rate fer::train::ReduceLROnPlateau gives after each metric, for test_plateau.py:
//   plateau_probe MODE(min|max) THRESHOLD_MODE(rel|abs) LR FACTOR PATIENCE THRESHOLD COOLDOWN MIN_LR METRIC...
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fer/train/plateau.hpp"

int main(int argc, char** argv) {
  if (argc < 9) {
    std::fprintf(stderr, "usage: %s min|max rel|abs lr factor patience threshold cooldown min_lr metric...\n", argv[0]);
    return 2;
  }
  using P = fer::train::ReduceLROnPlateau;
  P::Options o;
  o.mode = std::string(argv[1]) == "max" ? P::Mode::Max : P::Mode::Min;
  o.threshold_mode = std::string(argv[2]) == "abs" ? P::Threshold::Abs : P::Threshold::Rel;
  o.factor = std::atof(argv[4]);
  o.patience = std::atoi(argv[5]);
  o.threshold = std::atof(argv[6]);
  o.cooldown = std::atoi(argv[7]);
  o.min_lr = std::atof(argv[8]);
  P s(std::atof(argv[3]), o);
  for (int i = 9; i < argc; ++i) std::printf("%.17g\n", s.step(std::atof(argv[i])));
  return 0;
}
