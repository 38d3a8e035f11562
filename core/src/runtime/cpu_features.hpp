// What this CPU does well, as oneDNN (the library that runs the arithmetic) sees it.
#pragma once

#include <string>

#include <oneapi/dnnl/dnnl.hpp>

namespace fer {

// bf16 multiplied natively (AVX512-BF16, AMX): only there is bf16 faster than fp32.
bool cpu_has_native_bf16();

// int8 dot products in one instruction (AVX512-VNNI, AMX): where int8 beats bf16 and, unlike
// plain AVX-512's u8 x s8 pairs, never saturates an intermediate sum.
bool cpu_has_vnni();

// bf16 at all: oneDNN 2.6 has bf16 kernels from AVX-512 on (emulated there, native with
// AVX512-BF16); on AVX2 it has none and refuses to build the primitives.
bool cpu_has_bf16_kernels();

// Throws fer::ModelError (ErrorKind::NoDevice) naming `what` where bf16 cannot run here.
void require_bf16_kernels(const std::string& what);

// The blocked activation layout oneDNN's fast kernels use here: nChw16c where the CPU has
// AVX-512 (16 floats a register), nChw8c on AVX2 (8). In the other one, oneDNN 2.6 falls back to
// its reference kernels: a ResNet18 face took over 30 s on an AVX2 EPYC.
dnnl::memory::format_tag blocked_layout();

}  // namespace fer
