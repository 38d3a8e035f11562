// What --resume needs to continue a run exactly: weights, Adam's moments, the scheduler, the
// history. No RNG state is stored because every random draw after initialisation (shuffle,
// augmentation) is derived from (seed, epoch, image), so epoch k+1 draws the same either way.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "fer/train/metrics.hpp"
#include "fer/train/plateau.hpp"

namespace fer::train {

struct ResumeState {
  int epochs_done = 0;
  long steps_done = 0;
  double best_val_acc = -1;
  int best_epoch = 0;
  int epochs_since_best = 0;
  ReduceLROnPlateau::State scheduler{};
  std::vector<EpochRecord> history;
  std::string fingerprint;  // options that must not change across a resume (arch, classes, split...)
  nlohmann::json best_confusion;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReduceLROnPlateau::State, lr, best, num_bad_epochs, cooldown_counter, last_epoch)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResumeState, epochs_done, steps_done, best_val_acc, best_epoch, epochs_since_best,
                                   scheduler, history, fingerprint, best_confusion)

// Atomic (temporary file + rename).
void save_resume(const std::string& path, const ResumeState& state, torch::nn::Module& model,
                 torch::optim::Optimizer& optimizer);
// Throws std::runtime_error saying what to do when the file is missing or from another run.
ResumeState load_resume(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        const std::string& expected_fingerprint);

}  // namespace fer::train
