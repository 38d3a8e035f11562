#include "model_metadata.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "tensor_convert.hpp"

namespace fer {

using pickle::Value;

const Value* find(const Value& dict, const std::string& key) {
  if (dict.kind != Value::Kind::Dict) return nullptr;
  for (const auto& [k, v] : dict.dict)
    if (k && k->kind == Value::Kind::String && k->s == key) return v.get();
  return nullptr;
}

namespace {

std::vector<std::string> string_list(const Value& v, const char* what) {
  std::vector<std::string> out;
  if (v.kind != Value::Kind::List && v.kind != Value::Kind::Tuple)
    throw std::runtime_error(std::string("'") + what + "' is not a list");
  for (const auto& item : v.items) {
    if (!item || item->kind != Value::Kind::String) throw std::runtime_error(std::string("'") + what + "' holds a non-string");
    out.push_back(item->s);
  }
  return out;
}

// One number per input channel, as torchvision's Normalize takes them.
std::array<float, 3> per_channel(const Value& v, const char* what, int channels) {
  if ((v.kind != Value::Kind::List && v.kind != Value::Kind::Tuple) || v.items.size() != static_cast<size_t>(channels))
    throw std::runtime_error(std::string("'") + what + "' is not a list of " + std::to_string(channels) +
                             " numbers (one per input channel)");
  std::array<float, 3> out{};
  for (int i = 0; i < channels; ++i) {
    const Value& x = *v.items[i];
    if (x.kind == Value::Kind::Float) out[i] = static_cast<float>(x.f);
    else if (x.kind == Value::Kind::Int) out[i] = static_cast<float>(x.i);
    else throw std::runtime_error(std::string("'") + what + "' holds a non-number");
  }
  return out;
}

nlohmann::json to_json(const Value& v, int depth = 0) {
  if (depth > 64) return nullptr;
  switch (v.kind) {
    case Value::Kind::Bool: return v.b;
    case Value::Kind::Int: return v.i;
    case Value::Kind::Float: return v.f;
    case Value::Kind::String: return v.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      auto arr = nlohmann::json::array();
      for (const auto& item : v.items) arr.push_back(item ? to_json(*item, depth + 1) : nullptr);
      return arr;
    }
    case Value::Kind::Dict: {
      auto obj = nlohmann::json::object();
      for (const auto& [k, x] : v.dict)
        if (k && k->kind == Value::Kind::String) obj[k->s] = x ? to_json(*x, depth + 1) : nullptr;
      return obj;
    }
    default: return nullptr;
  }
}

// {"crop": {"detector": "haar", "margin": 0.1, "align": false}}; anything else is "not recorded".
TrainingCrop training_crop(const nlohmann::json& training) {
  TrainingCrop c;
  const auto it = training.is_object() ? training.find("crop") : training.end();
  if (it == training.end() || !it->is_object()) return c;
  const auto& j = *it;
  if (j.contains("detector") && j["detector"].is_string()) c.detector = j["detector"].get<std::string>();
  if (j.contains("margin") && j["margin"].is_number()) c.margin = std::clamp(j["margin"].get<double>(), 0.0, 1.0);
  if (j.contains("align") && j["align"].is_boolean()) c.align = j["align"].get<bool>();
  if (j.contains("border") && j["border"].is_boolean()) c.border = j["border"].get<bool>();
  c.recorded = true;
  return c;
}

// {"activation_max": {name: max}, "calibration": {...}}: what fer-quantize writes.
Int8Calibration int8_calibration(const Value& v) {
  const Value* ranges = find(v, "activation_max");
  if (!ranges || ranges->kind != Value::Kind::Dict)
    throw std::runtime_error("its 'int8' entry has no 'activation_max' dict; calibrate it again with fer-quantize");
  Int8Calibration c;
  for (const auto& [k, x] : ranges->dict) {
    const double max = !x ? -1 : x->kind == Value::Kind::Float ? x->f : x->kind == Value::Kind::Int ? x->i : -1;
    if (!k || k->kind != Value::Kind::String || !(max >= 0) || !std::isfinite(max))
      throw std::runtime_error("its 'int8.activation_max' holds a key that is not a name or a value that is not a "
                               "finite number >= 0; calibrate it again with fer-quantize");
    c.activation_max[k->s] = static_cast<float>(max);
  }
  if (const Value* cal = find(v, "calibration")) {
    const auto j = to_json(*cal);
    c.json = j.dump();
    if (j.contains("label_agreement")) {
      const auto& a = j["label_agreement"];
      if (a.is_null()) c.agreement_unmeasured = true;
      else if (a.is_number()) c.label_agreement = a.get<double>();
      if (!a.is_null() && !(a.is_number() && c.label_agreement >= 0 && c.label_agreement <= 1))
        throw std::runtime_error("its 'int8.calibration.label_agreement' is neither a share in [0, 1] nor null; "
                                 "calibrate it again with fer-quantize");
    }
  }
  return c;
}

}  // namespace

void read_metadata(const Value& root, ModelInfo& info) {
  if (const Value* v = find(root, "classes")) info.classes = string_list(*v, "classes");
  if (const Value* v = find(root, "input_size"); v && v->kind == Value::Kind::Int) info.input_size = static_cast<int>(v->i);
  if (const Value* v = find(root, "input_channels"); v && v->kind == Value::Kind::Int) {
    if (v->i != 1 && v->i != 3)
      throw std::runtime_error("its input_channels is " + std::to_string(v->i) + "; only 1 (grey) and 3 (RGB) exist");
    info.channels = static_cast<int>(v->i);
  }
  if (const Value* v = find(root, "mean")) info.mean = per_channel(*v, "mean", info.channels);
  if (const Value* v = find(root, "std")) info.std = per_channel(*v, "std", info.channels);
  if (const Value* v = find(root, "training")) {
    const auto training = to_json(*v);
    info.training_json = training.dump();
    info.crop = training_crop(training);
  }
  if (const Value* v = find(root, "int8")) info.int8 = int8_calibration(*v);
  if (const Value* v = find(root, "format_version"); v && v->kind == Value::Kind::Int && v->i > kModelFormatVersion)
    throw std::runtime_error("it was written by a newer feremotion (format " + std::to_string(v->i) +
                             ", this build reads up to " + std::to_string(kModelFormatVersion) + "); update feremotion");
}


}  // namespace fer
