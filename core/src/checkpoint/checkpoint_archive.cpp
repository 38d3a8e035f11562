#include "checkpoint_archive.hpp"

#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace fer {
namespace {

[[noreturn]] void fail(const std::string& what) { throw CheckpointError(what); }

// Legacy torch.save files start with a protocol-2 pickle of this magic number.
bool looks_like_legacy_torch_save(std::string_view bytes) {
  static constexpr std::string_view kMagic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14);
  return bytes.substr(0, kMagic.size()) == kMagic;
}

uint64_t storage_bytes(const pickle::TensorRef& t) {
  // Cannot overflow: the unpickler checked storage_numel * dtype_size <= INT64_MAX.
  return static_cast<uint64_t>(t.storage_numel) * pickle::dtype_size(t.dtype);
}

// Visits every tensor in the tree (explicit stack; shared containers once).
template <typename F>
void for_each_tensor(const pickle::Value& root, F&& f) {
  std::vector<const pickle::Value*> todo{&root};
  std::unordered_set<const pickle::Value*> seen;
  while (!todo.empty()) {
    const pickle::Value* v = todo.back();
    todo.pop_back();
    if (v->is_tensor()) f(v->tensor);
    if ((v->is_sequence() || v->is_dict()) && seen.insert(v).second) {
      for (const auto& item : v->items) todo.push_back(item.get());
      for (const auto& kv : v->dict) {
        todo.push_back(kv.first.get());
        todo.push_back(kv.second.get());
      }
    }
  }
}

}  // namespace

std::string_view RawCheckpoint::storage(const std::string& key) const {
  const std::string name = zip.prefix() + "/data/" + key;
  if (!zip.has(name)) fail("storage record '" + printable(name) + "' is missing from the archive");
  return zip.read(name);
}

std::string_view RawCheckpoint::storage(const pickle::TensorRef& tensor) const {
  const std::string_view record = storage(tensor.storage_key);
  const uint64_t need = storage_bytes(tensor);
  if (record.size() < need) {
    fail("storage record '" + printable(zip.prefix() + "/data/" + tensor.storage_key) + "' holds " +
         std::to_string(record.size()) + " bytes but its " + pickle::dtype_name(tensor.dtype) +
         " tensor needs " + std::to_string(need));
  }
  return record.substr(0, need);
}

bool is_torchscript_archive(const ZipArchive& zip) {
  const std::string prefix = zip.prefix();
  const std::string code = prefix + "/code/";
  if (zip.has(prefix + "/constants.pkl")) return true;
  for (const auto& name : zip.names()) {
    if (name.compare(0, code.size(), code) == 0) return true;
  }
  return false;
}

RawCheckpoint read_raw_checkpoint(std::string bytes) {
  if (!ZipArchive::looks_like_zip(bytes)) {
    if (looks_like_legacy_torch_save(bytes)) {
      fail("legacy (pre-PyTorch-1.6) torch.save format is not supported; re-save it with a newer "
           "torch.save (the zip format is the default since PyTorch 1.6)");
    }
    fail("not a PyTorch checkpoint (not a zip archive)");
  }
  return read_raw_checkpoint(ZipArchive(std::move(bytes)));
}

RawCheckpoint read_raw_checkpoint(ZipArchive zip) {
  RawCheckpoint ckpt{std::move(zip), nullptr};
  const std::string prefix = ckpt.zip.prefix();
  if (is_torchscript_archive(ckpt.zip)) {
    fail("this is a TorchScript module (torch.jit.save), not a torch.save checkpoint");
  }
  const std::string byteorder = prefix + "/byteorder";
  if (ckpt.zip.has(byteorder) && ckpt.zip.read(byteorder) != "little") {
    fail("checkpoint was written with big-endian byte order, which is not supported");
  }
  const std::string pkl = prefix + "/data.pkl";
  if (prefix.empty() || !ckpt.zip.has(pkl)) fail("zip archive has no '" + printable(pkl) + "' record");
  ckpt.root = pickle::unpickle(ckpt.zip.read(pkl));
  // torch.save writes each storage with one type and size; a record declared twice differently
  // would be read as two things at once.
  std::unordered_map<std::string, const pickle::TensorRef*> declared;
  for_each_tensor(*ckpt.root, [&](const pickle::TensorRef& t) {
    ckpt.storage(t);
    const pickle::TensorRef*& first = declared[t.storage_key];
    if (!first) first = &t;
    if (first->dtype != t.dtype || first->storage_numel != t.storage_numel) {
      fail("storage record '" + printable(prefix + "/data/" + t.storage_key) + "' is declared as " +
           std::to_string(first->storage_numel) + " " + pickle::dtype_name(first->dtype) + " elements and as " +
           std::to_string(t.storage_numel) + " " + pickle::dtype_name(t.dtype) + "; the file is corrupt");
    }
  });
  return ckpt;
}

}  // namespace fer
