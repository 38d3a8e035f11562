// Starting weights for fer-train: a torchvision ImageNet state_dict or any model file the core
// reads (fer-train's, fer-import's), with the pre-processing it records.
#pragma once

#include <string>

#include "fer/model_info.hpp"
#include "model/emotion_net.hpp"
#include "model/state_dict.hpp"

namespace fer::train {

struct InitialWeights {
  std::string path;
  std::string role = "--init file";  // how errors name the file
  StateDict sd;
  ModelInfo info;         // arch and channels from the weights; the rest from the file where it says
  bool described = false;  // the file records its pre-processing (a feremotion model)
  bool folded_batchnorm = false;  // fer-import's: BatchNorm folded away, its statistics identity
};

// Throws fer::ModelError when the file is unusable or holds no known architecture.
InitialWeights read_initial_weights(const std::string& path, const std::string& role = "--init file");

// Copies every tensor into `model`; the classifier layer is kept freshly initialised when its
// shape differs (another class count). Returns a one-line description.
std::string load_initial_weights(EmotionNet& model, const InitialWeights& init);

}  // namespace fer::train
