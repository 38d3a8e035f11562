// Checkpoint records -> LibTorch tensors, and the project's file format version.
#pragma once

#include <torch/torch.h>

#include "checkpoint/checkpoint_archive.hpp"

namespace fer {

inline constexpr int kModelFormatVersion = 1;

// Copies the bytes a TensorRef views out of the archive (the archive may be freed after).
torch::Tensor tensor_from_checkpoint(const RawCheckpoint& raw, const pickle::TensorRef& ref);

}  // namespace fer
