// dump_checkpoint FILE: prints the value tree of a torch.save checkpoint as
// read by fer::read_raw_checkpoint, one tab-separated line per value:
//   dict|list|tuple  PATH  LENGTH
//   tensor           PATH  DTYPE  [SIZES]  SUM-OF-ELEMENTS
//   int|float|str|bool|bytes(length)|none  PATH  VALUE
// PATH joins dict keys and list indices with '/'. test_checkpoint_reader.py
// compares this with what torch.load reports. Exit status 1 on a read error.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "checkpoint/checkpoint_archive.hpp"

namespace {

using fer::pickle::DType;
using fer::pickle::TensorRef;
using fer::pickle::Value;

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalize
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

double element(const char* storage, DType dtype, int64_t index) {
  const char* p = storage + index * static_cast<int64_t>(fer::pickle::dtype_size(dtype));
  switch (dtype) {
    case DType::Float32: return load<float>(p);
    case DType::Float64: return load<double>(p);
    case DType::Float16: return half_to_float(load<uint16_t>(p));
    case DType::BFloat16: {
      const uint32_t bits = uint32_t(load<uint16_t>(p)) << 16;
      return load<float>(reinterpret_cast<const char*>(&bits));
    }
    case DType::Int64: return static_cast<double>(load<int64_t>(p));
    case DType::Int32: return load<int32_t>(p);
    case DType::Int16: return load<int16_t>(p);
    case DType::Int8: return load<int8_t>(p);
    case DType::UInt8: return load<uint8_t>(p);
    case DType::Bool: return load<uint8_t>(p) != 0;
  }
  return 0;
}

// Sum over the strided view (not the whole storage).
double tensor_sum(const fer::RawCheckpoint& ckpt, const TensorRef& t) {
  const std::string_view data = ckpt.storage(t);
  const int64_t n = t.numel();
  std::vector<int64_t> idx(t.sizes.size(), 0);
  double sum = 0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t offset = t.storage_offset;
    for (size_t d = 0; d < idx.size(); ++d) offset += idx[d] * t.strides[d];
    sum += element(data.data(), t.dtype, offset);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < t.sizes[d]) break;
      idx[d] = 0;
    }
  }
  return sum;
}

std::string key_text(const Value& key) {
  if (key.is_string()) return key.s;
  if (key.is_int()) return std::to_string(key.i);
  return std::string("<") + key.kind_name() + ">";
}

std::string num(double f) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", f);
  return buf;
}

// Recursion is fine: unpickle() results are at most 1000 levels deep.
void dump(const fer::RawCheckpoint& ckpt, const Value& v, const std::string& path, std::ostream& out) {
  switch (v.kind) {
    case Value::Kind::Dict:
      out << "dict\t" << path << '\t' << v.dict.size() << '\n';
      for (const auto& [k, item] : v.dict) dump(ckpt, *item, path + "/" + key_text(*k), out);
      return;
    case Value::Kind::List:
    case Value::Kind::Tuple:
      out << v.kind_name() << '\t' << path << '\t' << v.items.size() << '\n';
      for (size_t i = 0; i < v.items.size(); ++i) dump(ckpt, *v.items[i], path + "/" + std::to_string(i), out);
      return;
    case Value::Kind::Tensor: {
      std::string shape = "[";
      for (size_t d = 0; d < v.tensor.sizes.size(); ++d) shape += (d ? "," : "") + std::to_string(v.tensor.sizes[d]);
      out << "tensor\t" << path << '\t' << fer::pickle::dtype_name(v.tensor.dtype) << '\t' << shape << "]\t"
          << num(tensor_sum(ckpt, v.tensor)) << '\n';
      return;
    }
    case Value::Kind::Int: out << "int\t" << path << '\t' << v.i << '\n'; return;
    case Value::Kind::Float: out << "float\t" << path << '\t' << num(v.f) << '\n'; return;
    case Value::Kind::String: out << "str\t" << path << '\t' << v.s << '\n'; return;
    case Value::Kind::Bool: out << "bool\t" << path << '\t' << (v.b ? "true" : "false") << '\n'; return;
    case Value::Kind::Bytes: out << "bytes\t" << path << '\t' << v.s.size() << '\n'; return;
    default: out << v.kind_name() << '\t' << path << '\n'; return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dump_checkpoint FILE.pth\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << argv[1] << ": cannot open\n";
    return 1;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  try {
    const fer::RawCheckpoint ckpt = fer::read_raw_checkpoint(bytes.str());
    std::ostringstream out;
    dump(ckpt, *ckpt.root, "", out);
    std::cout << out.str();
  } catch (const fer::CheckpointError& e) {
    std::cerr << argv[1] << ": " << e.what() << '\n';
    return 1;
  }
  return 0;
}
