// The loader behind Classifier::load, on bytes already in memory: one entry point for the
// file path, the fuzzer and the corpus replay test.
#pragma once

#include <memory>
#include <string>

#include "fer/classifier.hpp"

namespace fer {

// Loads any of the three kinds of model file from its bytes; `path` only names it in errors.
// Throws fer::ModelError (naming `path` and the cause) for anything it cannot load.
std::shared_ptr<Classifier> load_classifier_bytes(std::string bytes, const std::string& path,
                                                  const LoadOptions& options = {});

}  // namespace fer
