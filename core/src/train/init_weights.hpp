// Starting weights for fer-train: a torchvision ImageNet state_dict or any model file the core reads.
#pragma once

#include <string>

#include "model/resnet.hpp"

namespace fer::train {

// Copies every matching tensor of `path` into `model`; the classifier layer (fc.*) is kept freshly
// initialised when its shape differs (another class count). Returns a one-line description.
// Throws fer::ModelError when the file is unusable or describes another architecture.
std::string load_initial_weights(ResNet& model, const std::string& arch, const std::string& path);

}  // namespace fer::train
