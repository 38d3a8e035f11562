#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fer {

// Minimal read-only ZIP reader for PyTorch checkpoints (torch.save since 1.6,
// torch::pickle_save). The whole file is held in memory; only "stored"
// (uncompressed) entries can be read because torch.save never compresses
// (compressed entries, as in TorchScript archives, are listed but read()
// refuses them). Every offset and size read from the file is checked against
// the buffer, and each stored entry's CRC-32 is verified once, in the
// constructor.
// All errors are fer::CheckpointError.
class ZipArchive {
 public:
  explicit ZipArchive(std::string bytes);

  // Entry names in central-directory order.
  const std::vector<std::string>& names() const { return names_; }
  bool has(const std::string& name) const;
  // View of an entry's bytes; valid as long as this archive lives. Throws if
  // missing or compressed.
  std::string_view read(const std::string& name) const;
  // Text before the first '/' of the first entry ("archive", or the file stem
  // torch.save used); empty if that entry has no folder.
  std::string prefix() const;
  // The whole archive as given to the constructor.
  const std::string& bytes() const { return bytes_; }

  // True if the buffer starts with a local file header ("PK\x03\x04").
  static bool looks_like_zip(std::string_view bytes);

 private:
  struct Entry {
    uint64_t offset = 0;  // of the entry's data in bytes_
    uint64_t size = 0;    // stored size
    uint16_t method = 0;  // 0 = stored
  };

  std::string bytes_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, Entry> entries_;
};

inline bool looks_like_zip(std::string_view bytes) { return ZipArchive::looks_like_zip(bytes); }

}  // namespace fer
