#include "state_dict.hpp"

#include <regex>
#include <set>
#include <sstream>

namespace fer {

StateDict strip_module_prefix(StateDict sd) {
  const std::string prefix = "module.";
  for (const auto& [k, v] : sd)
    if (k.rfind(prefix, 0) != 0) return sd;
  StateDict out;
  for (auto& [k, v] : sd) out.emplace(k.substr(prefix.size()), v);
  return out;
}

const ResNetSpec& infer_resnet(const StateDict& sd) {
  static const std::regex block_key(R"(^layer([1-4])\.(\d+)\.)");
  std::vector<int> blocks(4, 0);
  std::smatch m;
  for (const auto& [k, v] : sd)
    if (std::regex_search(k, m, block_key))
      blocks[std::stoi(m[1]) - 1] = std::max(blocks[std::stoi(m[1]) - 1], std::stoi(m[2]) + 1);
  const bool bottleneck = sd.count("layer1.0.conv3.weight") > 0;
  for (const auto& spec : resnet_specs())
    if (spec.bottleneck == bottleneck && spec.layers == blocks && sd.count("fc.weight")) return spec;
  std::ostringstream msg;
  msg << "its keys match no torchvision ResNet (found " << sd.size() << " tensors, blocks per stage "
      << blocks[0] << "/" << blocks[1] << "/" << blocks[2] << "/" << blocks[3]
      << (bottleneck ? " with bottlenecks" : "") << (sd.count("fc.weight") ? "" : ", no fc.weight")
      << "; expected the state_dict of torchvision.models.resnet18/34/50/101/152";
  if (!sd.empty()) msg << ", first key '" << sd.begin()->first << "'";
  msg << ")";
  throw std::runtime_error(msg.str());
}

namespace {

std::string join_some(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 6; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 6) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

std::string shape_str(at::IntArrayRef s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

StateDict state_dict_of(const torch::nn::Module& model) {
  StateDict sd;
  for (const auto& p : model.named_parameters()) sd.emplace(p.key(), p.value());
  for (const auto& b : model.named_buffers()) sd.emplace(b.key(), b.value());
  return sd;
}

void load_state_dict(torch::nn::Module& model, const StateDict& sd) {
  StateDict own = state_dict_of(model);
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [k, v] : own) {
    auto it = sd.find(k);
    if (it == sd.end()) {
      missing.push_back(k);
    } else if (it->second.sizes() != v.sizes()) {
      mismatched.push_back(k + " " + shape_str(it->second.sizes()) + " vs " + shape_str(v.sizes()));
    }
  }
  for (const auto& [k, v] : sd)
    if (!own.count(k)) unexpected.push_back(k);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string msg = "state_dict does not fit the model:";
    if (!missing.empty()) msg += " missing keys: " + join_some(missing) + ";";
    if (!unexpected.empty()) msg += " unexpected keys: " + join_some(unexpected) + ";";
    if (!mismatched.empty()) msg += " shape mismatch (file vs model): " + join_some(mismatched) + ";";
    throw std::runtime_error(msg);
  }
  torch::NoGradGuard no_grad;
  for (auto& [k, v] : own) v.copy_(sd.at(k));
}

}  // namespace fer
