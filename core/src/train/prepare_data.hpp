// From fer-train's data options to decoded train and validation sets, with the split recorded.
#pragma once

#include <functional>
#include <string>

#include "fer/train/dataset.hpp"
#include "fer/train/split.hpp"
#include "fer/train/trainer.hpp"

namespace fer::train {

struct PreparedData {
  Dataset train, val;
  SplitFile split;  // what went where, written beside the model
};

PreparedData prepare_data(const TrainOptions& opts, const std::function<void(const std::string&)>& log);

}  // namespace fer::train
