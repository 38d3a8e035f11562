// Files that users name (models, detector weights) are read only when they are regular files of a
// sane size: a FIFO would block the caller forever and /dev/zero would grow memory without bound.
#pragma once

#include <cstdint>
#include <string>

namespace fer {

// Far above the largest real model (ResNet152: 233 MB fp32), far below what hurts a machine.
inline constexpr uint64_t kMaxInputFileBytes = 2048ull << 20;

// Throws fer::ModelError (kind NotFound or Unreadable) naming `what` ("model file", "YuNet model"),
// the path, the problem and the fix, unless `path` is a readable regular file of at most max_bytes.
// Opens without blocking, so a FIFO is refused instead of waited on.
void check_input_file(const std::string& path, const std::string& what, uint64_t max_bytes = kMaxInputFileBytes);

// check_input_file, then the whole file (at most max_bytes, read from the checked descriptor).
std::string read_input_file(const std::string& path, const std::string& what, uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace fer
