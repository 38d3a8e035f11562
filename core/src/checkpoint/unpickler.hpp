#pragma once

#include <cstddef>
#include <string_view>

#include "pickle_value.hpp"

namespace fer::pickle {

// Resource limits for hostile input. The defaults leave ample room for real
// checkpoints (a state_dict costs about 25 objects per tensor: ResNet-50 needs
// ~8000) while capping memory at roughly 250 bytes per object (~250 MB).
struct Limits {
  size_t max_depth = 1000;         // open MARKs, and container nesting of the result
  size_t max_objects = 1'000'000;  // values created plus items copied; also the
                                   // size of the result with shared nodes expanded
  size_t max_memo = 1'000'000;     // memo entries
};

// Decodes a pickle (protocols 0-5) as written by torch.save / torch::pickle_save
// into a plain value tree, like torch.load(weights_only=True): nothing is ever
// executed; only tensor rebuild functions, storage types, OrderedDict, sets,
// bytes and the torch.jit._pickle list helpers are accepted as globals, and
// every other global is refused by name. Tensors become TensorRefs whose views
// are checked against their storage's declared size.
// Throws fer::CheckpointError on any malformed, truncated or disallowed input.
ValuePtr unpickle(std::string_view data, const Limits& limits = {});

}  // namespace fer::pickle
