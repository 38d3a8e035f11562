// Errors the core throws; messages name the file, the problem and the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace fer {

// A model file that cannot be used (missing, not a model, wrong keys, ...).
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace fer
