#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fer::pickle {

// Element types of the storages torch.save writes (torch.FloatStorage, ...).
enum class DType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float64:
    case DType::Int64: return 8;
    case DType::Float32:
    case DType::Int32: return 4;
    case DType::Float16:
    case DType::BFloat16:
    case DType::Int16: return 2;
    case DType::Int8:
    case DType::UInt8:
    case DType::Bool: return 1;
  }
  return 1;
}

// Names as torch prints them (torch.float32 -> "float32").
inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::Int16: return "int16";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
  }
  return "?";
}

// A tensor as described by the pickle: a view (offset, sizes, strides, all in
// elements) into the storage record "<prefix>/data/<storage_key>" holding
// storage_numel elements of dtype. The unpickler has checked that the view
// stays inside storage_numel and that no arithmetic overflows; the archive
// reader checks that the record really holds storage_numel * dtype_size bytes.
struct TensorRef {
  std::string storage_key;
  DType dtype = DType::Float32;
  int64_t storage_numel = 0;
  int64_t storage_offset = 0;
  std::vector<int64_t> sizes, strides;
  bool requires_grad = false;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;  // cannot overflow: checked when unpickled
    return n;
  }
  // Row-major contiguous, so the elements are storage[offset, offset + numel).
  bool is_contiguous() const {
    int64_t expected = 1;
    for (size_t d = sizes.size(); d-- > 0;) {
      if (sizes[d] != 1 && strides[d] != expected) return false;
      expected *= sizes[d];
    }
    return true;
  }
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

// One node of the plain value tree unpickle() returns. Nodes may be shared
// (the pickle memo), but results are acyclic, at most Limits::max_depth deep
// and expand to at most Limits::max_objects nodes when shared nodes are
// counted each time, so naive recursive walks over them are safe.
struct Value {
  enum class Kind {
    None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Tensor,
    // Transient, only while unpickling (never in an unpickle() result):
    Global,   // an allow-listed class/function; s = "module.name"
    Storage,  // a storage from a persistent id; tensor.{storage_key,dtype,storage_numel}
  };

  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                                    // String (UTF-8) and Bytes
  std::vector<ValuePtr> items;                      // List (also sets), Tuple
  std::vector<std::pair<ValuePtr, ValuePtr>> dict;  // Dict, insertion order (OrderedDict too)
  TensorRef tensor;                                 // Tensor

  bool is_none() const { return kind == Kind::None; }
  bool is_bool() const { return kind == Kind::Bool; }
  bool is_int() const { return kind == Kind::Int; }
  bool is_float() const { return kind == Kind::Float; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  bool is_string() const { return kind == Kind::String; }
  bool is_bytes() const { return kind == Kind::Bytes; }
  bool is_list() const { return kind == Kind::List; }
  bool is_tuple() const { return kind == Kind::Tuple; }
  bool is_sequence() const { return kind == Kind::List || kind == Kind::Tuple; }
  bool is_dict() const { return kind == Kind::Dict; }
  bool is_tensor() const { return kind == Kind::Tensor; }

  // Int or Float as a double (0 for anything else).
  double number() const { return kind == Kind::Int ? static_cast<double>(i) : kind == Kind::Float ? f : 0.0; }

  // Value stored under a string key of a Dict; nullptr if absent or not a Dict.
  const Value* get(std::string_view key) const {
    if (kind != Kind::Dict) return nullptr;
    for (const auto& [k, v] : dict) {
      if (k && k->kind == Kind::String && k->s == key) return v.get();
    }
    return nullptr;
  }

  static const char* kind_name(Kind k) {
    switch (k) {
      case Kind::None: return "None";
      case Kind::Bool: return "bool";
      case Kind::Int: return "int";
      case Kind::Float: return "float";
      case Kind::String: return "str";
      case Kind::Bytes: return "bytes";
      case Kind::List: return "list";
      case Kind::Tuple: return "tuple";
      case Kind::Dict: return "dict";
      case Kind::Tensor: return "tensor";
      case Kind::Global: return "class reference";
      case Kind::Storage: return "storage";
    }
    return "?";
  }
  const char* kind_name() const { return kind_name(kind); }
};

}  // namespace fer::pickle
