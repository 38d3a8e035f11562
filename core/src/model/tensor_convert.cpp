#include "tensor_convert.hpp"

#include <cstring>

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

torch::Tensor tensor_from_checkpoint(const RawCheckpoint& raw, const pickle::TensorRef& ref) {
  // The unpickler already checked that the view lies inside the storage and the record holds it.
  const std::string_view bytes = raw.storage(ref.storage_key);
  torch::Tensor storage = torch::empty({ref.storage_numel}, torch::TensorOptions().dtype(scalar_type(ref.dtype)));
  std::memcpy(storage.data_ptr(), bytes.data(), static_cast<size_t>(ref.storage_numel) * pickle::dtype_size(ref.dtype));
  return storage.as_strided(ref.sizes, ref.strides, ref.storage_offset).clone();
}

}  // namespace fer
