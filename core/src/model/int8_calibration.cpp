// Classifier::calibrate_int8: the ranges int8 inference quantises activations to, measured by the
// fp32 graph itself (the same folded convolutions, observed as they are written).
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "architectures.hpp"
#include "fer/classifier.hpp"
#include "fer/errors.hpp"
#include "network.hpp"
#include "runtime/cpu_features.hpp"
#include "runtime/inference_threads.hpp"
#include "state_dict.hpp"

namespace fer {

const Int8Calibration& Classifier::calibrate_int8(const std::vector<cv::Mat>& crops, const std::string& source,
                                                  double percentile) {
  ModelInfo& info = impl_->info;
  if (!impl_->net) throw ModelError("int8 calibration needs the network's weights; '" + info.path + "' is TorchScript");
  if (crops.empty()) throw ModelError("int8 calibration: no face crops to measure on");
  if (!impl_->device.is_cpu()) throw ModelError("int8 calibration runs on the CPU; load the model with device cpu");
  if (!(percentile > 0 && percentile <= 100)) throw ModelError("int8 calibration: the percentile must be in (0, 100]");
  // As inference runs (Impl::forward): the same threads and denormal flushing, one crop at a time.
  prepare_inference_thread();
  torch::InferenceMode guard;
  const auto label_of = [&](const FoldedNet& net, const cv::Mat& crop) {
    cv::Mat blob = preprocess({crop});
    return net.forward(torch::from_blob(blob.ptr<float>(), {1, info.channels, info.input_size, info.input_size}))
        .argmax(1)
        .item<int64_t>();
  };
  onednn::Numerics numerics;
  numerics.observe = true;
  const StateDict sd = state_dict_of(*impl_->net);
  const auto net = fold_network(info.arch, sd, numerics, torch::kCPU);
  std::vector<int64_t> fp32_labels;
  for (const auto& crop : crops) fp32_labels.push_back(label_of(*net, crop));
  Int8Calibration c;
  for (auto& [name, maxima] : net->observed()) {
    // The nearest-rank percentile of the per-crop maxima: no interpolation, so nothing depends on
    // the order the crops came in.
    std::sort(maxima.begin(), maxima.end());
    const size_t rank = static_cast<size_t>(std::ceil(percentile / 100.0 * maxima.size()));
    c.activation_max[name] = maxima[std::clamp<size_t>(rank, 1, maxima.size()) - 1];
  }
  auto json = nlohmann::json{{"images", crops.size()}, {"data", source}, {"percentile", percentile},
                             {"statistic", "nearest-rank percentile of per-image max |activation|"}};
  // What int8 does to these crops' labels: precision auto reads it. Where this CPU cannot run int8
  // the figure is recorded as unmeasured (null), and auto will not take int8 on faith elsewhere.
  if (cpu_has_vnni()) {
    onednn::Numerics int8;
    int8.type = dnnl::memory::data_type::s8;
    int8.calibrated = c.activation_max;
    const auto quantised = fold_network(info.arch, sd, int8, torch::kCPU);
    size_t same = 0;
    for (size_t i = 0; i < crops.size(); ++i) same += label_of(*quantised, crops[i]) == fp32_labels[i];
    c.label_agreement = static_cast<double>(same) / crops.size();
    json["label_agreement"] = c.label_agreement;
  } else {
    c.agreement_unmeasured = true;
    json["label_agreement"] = nullptr;
  }
  c.json = json.dump();
  info.int8 = std::move(c);
  return info.int8;
}

}  // namespace fer
