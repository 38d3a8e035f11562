// Command-line options of the core's enums, by the names users write (the core's name_of is the
// one table of them).
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "fer/classifier.hpp"
#include "fer/face_detector.hpp"
#include "fer/model_info.hpp"

namespace fer::cli {

template <typename Enum>
CLI::CheckedTransformer names_of(std::initializer_list<Enum> values) {
  std::vector<std::pair<std::string, Enum>> names;
  for (Enum v : values) names.emplace_back(name_of(v), v);
  return CLI::CheckedTransformer(names);
}

inline CLI::CheckedTransformer detector_kinds() {
  return names_of({DetectorKind::Haar, DetectorKind::Yunet, DetectorKind::None});
}

inline CLI::CheckedTransformer ttas() { return names_of({Classifier::Tta::None, Classifier::Tta::Flip}); }

// What a user may ask inference to run in (Eager is the benchmarks' baseline, not an option).
inline CLI::CheckedTransformer precisions() {
  return names_of({Precision::Auto, Precision::Fp32, Precision::Bf16, Precision::Int8});
}

}  // namespace fer::cli
