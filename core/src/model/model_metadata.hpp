// The project's model-file metadata (arch, classes, input size and channels, mean/std, training
// record) read from an unpickled dict: the one reader behind Classifier::load and fer-train --init.
#pragma once

#include "checkpoint/pickle_value.hpp"
#include "fer/model_info.hpp"

namespace fer {

// dict[key] or nullptr (also when `dict` is not a dict).
const pickle::Value* find(const pickle::Value& dict, const std::string& key);

// Fills info from the project's dict; keys another tool's checkpoint may lack stay default.
// Throws std::runtime_error naming a key that holds the wrong kind of value.
void read_metadata(const pickle::Value& root, ModelInfo& info);

}  // namespace fer
