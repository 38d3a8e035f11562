// Files other programs may read while we write them (models, metrics, splits): written to
// "<path>.tmp" and renamed, so a reader sees the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

namespace fer {

// Throws std::runtime_error naming the file when it cannot be written or moved.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace fer
