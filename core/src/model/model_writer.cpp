// The project's model file: a zip pickle that Python's torch.load reads as a plain dict
// {state_dict, arch, classes, input_size, input_channels, mean, std, format_version, training} and,
// once calibrated by fer-quantize, int8.
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fer/atomic_file.hpp"
#include "fer/errors.hpp"
#include "network.hpp"
#include "state_dict.hpp"
#include "tensor_convert.hpp"

namespace fer {
namespace {

using c10::IValue;

// Plain lists and dicts of Any pickle as Python list/dict, with no TorchScript type tags.
c10::impl::GenericList any_list() { return c10::impl::GenericList(c10::AnyType::get()); }
c10::impl::GenericDict any_dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

IValue from_json(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    auto list = any_list();
    for (const auto& x : j) list.push_back(from_json(x));
    return list;
  }
  if (j.is_object()) {
    auto dict = any_dict();
    for (const auto& [k, v] : j.items()) dict.insert(k, from_json(v));
    return dict;
  }
  return IValue();
}

std::vector<char> serialize_model(const ModelInfo& info, const torch::nn::Module& model) {
  auto sd = c10::impl::GenericDict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [k, v] : state_dict_of(model)) sd.insert(k, v.detach().to(torch::kCPU).contiguous());
  auto classes = any_list();
  for (const auto& c : info.classes) classes.push_back(c);
  auto mean = any_list(), stdv = any_list();  // one number per input channel, as Normalize takes them
  for (int i = 0; i < info.channels; ++i) {
    mean.push_back(static_cast<double>(info.mean[i]));
    stdv.push_back(static_cast<double>(info.std[i]));
  }
  auto root = any_dict();
  root.insert("format", std::string("feremotion"));
  // Version 2 only where a version-1 reader would go wrong (grey input): others stay readable by older builds.
  root.insert("format_version", static_cast<int64_t>(info.channels == 3 ? 1 : kModelFormatVersion));
  root.insert("arch", info.arch);
  root.insert("classes", classes);
  root.insert("input_size", static_cast<int64_t>(info.input_size));
  root.insert("input_channels", static_cast<int64_t>(info.channels));
  root.insert("mean", mean);
  root.insert("std", stdv);
  root.insert("training", from_json(nlohmann::json::parse(info.training_json.empty() ? "{}" : info.training_json)));
  if (!info.int8.empty()) {
    auto ranges = any_dict();
    for (const auto& [name, max] : info.int8.activation_max) ranges.insert(name, static_cast<double>(max));
    auto int8 = any_dict();
    int8.insert("activation_max", ranges);
    int8.insert("calibration", from_json(nlohmann::json::parse(info.int8.json)));
    root.insert("int8", int8);
  }
  root.insert("state_dict", sd);
  return torch::pickle_save(root);
}

}  // namespace

void save_model_file(const std::string& path, const ModelInfo& info, const torch::nn::Module& model) {
  const std::vector<char> bytes = serialize_model(info, model);
  try {
    write_file_atomically(path, {bytes.data(), bytes.size()});
  } catch (const std::runtime_error& e) {
    throw ModelError(std::string("model file: ") + e.what());
  }
}

void Classifier::save(const std::string& path, const std::string& training_json) const {
  if (!impl_->net)
    throw ModelError("cannot save '" + path + "': TorchScript models are kept in their own format");
  ModelInfo info = impl_->info;
  info.training_json = training_json;
  save_model_file(path, info, *impl_->net);
}

}  // namespace fer
