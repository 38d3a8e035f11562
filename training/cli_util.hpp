// Small helpers shared by fer-train and fer-eval.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace fer::cli {

inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// c10::Error and friends append a backtrace after the first line: users need the first line.
inline std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace fer::cli

#include <cstdlib>
#include <unistd.h>

namespace fer::cli {

// LibTorch's OpenMP threads spin after each parallel region by default; on a small machine they
// then starve the image-loading threads (a validation pass measured 30 s instead of 2.5 s on two
// cores) while training speed is the same either way. libgomp reads OMP_WAIT_POLICY only when it
// loads, before main(), so set it and start again; a user's own setting is kept.
inline void prefer_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run on as we are
}

}  // namespace fer::cli
