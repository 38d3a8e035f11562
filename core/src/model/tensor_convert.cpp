#include "tensor_convert.hpp"

#include <cstring>
#include <map>
#include <string>

namespace fer {
namespace {

torch::ScalarType scalar_type(pickle::DType d) {
  using D = pickle::DType;
  switch (d) {
    case D::Float32: return torch::kFloat32;
    case D::Float64: return torch::kFloat64;
    case D::Float16: return torch::kFloat16;
    case D::BFloat16: return torch::kBFloat16;
    case D::Int64: return torch::kInt64;
    case D::Int32: return torch::kInt32;
    case D::Int16: return torch::kInt16;
    case D::Int8: return torch::kInt8;
    case D::UInt8: return torch::kUInt8;
    case D::Bool: return torch::kBool;
  }
  throw std::runtime_error("unknown tensor dtype");
}

}  // namespace

StateDict state_dict_from_checkpoint(const RawCheckpoint& raw, const pickle::Value& dict) {
  std::map<std::string, torch::Tensor> storages;  // by record key
  StateDict sd;
  for (const auto& [k, t] : dict.dict) {
    // The unpickler already checked that the view lies inside the storage and the record holds it.
    const pickle::TensorRef& ref = t->tensor;
    torch::Tensor& storage = storages[ref.storage_key];  // read_raw_checkpoint: one dtype and size per key
    if (!storage.defined()) {
      const std::string_view bytes = raw.storage(ref);
      storage = torch::empty({ref.storage_numel}, torch::TensorOptions().dtype(scalar_type(ref.dtype)));
      if (!bytes.empty()) std::memcpy(storage.data_ptr(), bytes.data(), bytes.size());  // empty: no data_ptr
    }
    sd.emplace(k->s, storage.as_strided(ref.sizes, ref.strides, ref.storage_offset));
  }
  return sd;
}

}  // namespace fer
