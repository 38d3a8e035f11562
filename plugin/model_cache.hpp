// One loaded copy per (file, device, labels, precision, TorchScript allowed) in the process: several feremotion elements
// naming the same model share it. Entries die with their last user.
#pragma once

#include <memory>
#include <string>

#include "fer/classifier.hpp"

namespace feremotion {

// Throws fer::ModelError (from the core) when the file cannot be loaded.
std::shared_ptr<fer::Classifier> acquire_model(const std::string& path, const std::string& device,
                                               const std::string& labels, fer::Precision precision,
                                               bool allow_torchscript = false);

// How many times a file was really loaded (for tests of the sharing).
int model_load_count();

}  // namespace feremotion
