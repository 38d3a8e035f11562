// Named sets of fer-train flags (--recipe NAME). A recipe's flags come before the user's, so any flag
// given on the command line wins; without --recipe the defaults are the original project's.
// The figures are scripts/bench/recipe.py's on ../shared's faces5 + faces5-pool (13,496 images).
#pragma once

#include <string>
#include <vector>

namespace fer::train {

struct Recipe {
  std::string name, summary;
  std::vector<std::string> args;
  std::string needs_init;  // non-empty: the run must start from weights; says which
};

inline const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all = {
      {"real-faces",
       "fine-tunes the public FER2013 Xception (grey, 64 px) on real face crops: AdamW, one-cycle, label smoothing, "
       "class weights, bf16; 12 epochs, about 5 minutes for 13,500 images on 2 AVX-512 cores",
       {"--optimizer", "adamw", "--lr", "5e-4", "--weight-decay", "0.05", "--lr-schedule", "onecycle", "--warmup", "0.2",
        "--epochs", "12", "--batch-size", "32", "--label-smoothing", "0.1", "--class-weights", "auto",
        "--crop-scale", "0.7", "--rotation", "15", "--precision", "bf16", "--crop-border"},
       "--init models/emotion-fer2013.pth (scripts/get-model.sh makes it from the public FER2013 model)"},
      {"real-faces-scratch",
       "ResNet18 at 112 px from scratch: Adam, ReduceLROnPlateau, label smoothing, class weights, bf16; 30 epochs, "
       "about 50 minutes for 13,500 images on 2 AVX-512 cores",
       {"--arch", "resnet18", "--input-size", "112", "--optimizer", "adam", "--lr", "1e-3", "--weight-decay", "1e-4",
        "--lr-schedule", "plateau", "--lr-factor", "0.3", "--lr-patience", "2", "--epochs", "30", "--batch-size", "32",
        "--label-smoothing", "0.1", "--class-weights", "auto", "--crop-scale", "0.7", "--precision", "bf16"},
       ""},
  };
  return all;
}

inline const Recipe* find_recipe(const std::string& name) {
  for (const auto& r : recipes())
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace fer::train
