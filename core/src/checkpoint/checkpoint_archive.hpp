#pragma once

#include <string>
#include <string_view>

#include "checkpoint_error.hpp"
#include "pickle_value.hpp"
#include "unpickler.hpp"
#include "zip_archive.hpp"

namespace fer {

// A torch.save / torch::pickle_save checkpoint, decoded without LibTorch:
// the archive plus the plain value tree of "<prefix>/data.pkl". Every tensor
// in the tree has been checked to fit inside its storage record.
struct RawCheckpoint {
  ZipArchive zip;
  pickle::ValuePtr root;

  // The whole record "<prefix>/data/<key>". Throws if missing.
  std::string_view storage(const std::string& key) const;
  // Exactly the storage_numel * dtype_size bytes of the tensor's storage
  // (element 0 of the storage first; apply storage_offset/strides yourself).
  // Throws if the record is missing or smaller.
  std::string_view storage(const pickle::TensorRef& tensor) const;
};

// zip -> "<prefix>/data.pkl" -> unpickle, then checks every TensorRef's
// storage record. Refuses legacy (pre-1.6, non-zip) files and TorchScript
// archives with a clear message. Throws fer::CheckpointError.
RawCheckpoint read_raw_checkpoint(std::string bytes);
// The same for an archive already opened (e.g. to tell TorchScript apart first).
RawCheckpoint read_raw_checkpoint(ZipArchive zip);

// True for torch.jit.save archives: "<prefix>/constants.pkl" or "<prefix>/code/...".
bool is_torchscript_archive(const ZipArchive& zip);

}  // namespace fer
