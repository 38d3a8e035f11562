// Small helpers shared by fer-train and fer-eval.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace fer::cli {

inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace fer::cli

#include <cstdlib>
#include <unistd.h>

namespace fer::cli {

// LibTorch's OpenMP threads spin-wait after each parallel region (libgomp: 300000 rounds by default).
// On a small, busy machine they then starve the image-loading threads: a validation pass took 30 s
// instead of 2.5 s on two cores. A short spin keeps that away and trains faster than not spinning
// at all (resnet18 at 112 px on 2 cores: 91 images/s with 3000 rounds, 81 with none). libgomp reads
// its settings only when it loads, before main(), so set them and start again; a user's own
// OMP_WAIT_POLICY or GOMP_SPINCOUNT is kept.
inline void tune_openmp_spin(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("GOMP_SPINCOUNT", "3000", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run on as we are
}

}  // namespace fer::cli
