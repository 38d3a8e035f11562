#include "runtime/cpu_features.hpp"

#include "fer/errors.hpp"

namespace fer {
namespace {

// oneDNN's ISA values are bit sets: an ISA includes another where it holds all its bits.
bool cpu_includes(dnnl::cpu_isa isa) {
  static const auto have = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  return (have & static_cast<unsigned>(isa)) == static_cast<unsigned>(isa);
}

}  // namespace

bool cpu_has_native_bf16() { return cpu_includes(dnnl::cpu_isa::avx512_core_bf16); }

bool cpu_has_vnni() { return cpu_includes(dnnl::cpu_isa::avx512_core_vnni); }

bool cpu_has_bf16_kernels() { return cpu_includes(dnnl::cpu_isa::avx512_core); }

void require_bf16_kernels(const std::string& what) {
  if (!cpu_has_bf16_kernels())
    throw ModelError(what + ": bf16 needs a CPU with AVX-512 (oneDNN has no bf16 kernels for this one); use "
                     "precision auto (fp32 here) or fp32", ErrorKind::NoDevice);
}

dnnl::memory::format_tag blocked_layout() {
  return cpu_includes(dnnl::cpu_isa::avx512_core) ? dnnl::memory::format_tag::nChw16c
                                                  : dnnl::memory::format_tag::nChw8c;
}

}  // namespace fer
