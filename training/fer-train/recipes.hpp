// Named sets of fer-train flags (--recipe NAME). A recipe's flags come before the user's, so any flag
// given on the command line wins; without --recipe the defaults are the original project's.
#pragma once

#include <string>
#include <vector>

namespace fer::train {

struct Recipe {
  std::string name, summary;
  std::vector<std::string> args;
};

inline const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all = {
      {"real-faces",
       "from scratch on real face crops (faces5 + the pool): ResNet18 at 112 px, AdamW with a one-cycle schedule, "
       "label smoothing, class weights, stronger augmentation, bf16; about 60 minutes on 2 AVX-512 cores for "
       "13,500 images",
       {"--arch", "resnet18", "--input-size", "112", "--optimizer", "adamw", "--lr", "2e-3", "--weight-decay", "0.05",
        "--lr-schedule", "onecycle", "--warmup", "0.2", "--epochs", "36", "--batch-size", "32",
        "--label-smoothing", "0.1", "--class-weights", "auto", "--crop-scale", "0.6", "--rotation", "15",
        "--grey-prob", "0.2", "--erase", "0.25", "--precision", "bf16"}},
  };
  return all;
}

inline const Recipe* find_recipe(const std::string& name) {
  for (const auto& r : recipes())
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace fer::train
