// Checkpoint records -> LibTorch tensors, and the project's file format version.
#pragma once

#include <torch/torch.h>

#include "checkpoint/checkpoint_archive.hpp"
#include "state_dict.hpp"

namespace fer {

inline constexpr int kModelFormatVersion = 2;  // 2: input_channels (grey models)

// The tensors of a dict of string -> tensor (is_tensor_dict), copied out of the archive (which may
// be freed after). Tensors that view one storage record share one copy of it, as torch.load's do,
// and views are not materialised: memory stays within the file's size whatever the views declare.
StateDict state_dict_from_checkpoint(const RawCheckpoint& raw, const pickle::Value& dict);

}  // namespace fer
