#include "architectures.hpp"

#include <sstream>
#include <stdexcept>

#include "folded_resnet.hpp"
#include "folded_xception.hpp"
#include "resnet.hpp"
#include "xception.hpp"

namespace fer {

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const auto& s : resnet_specs()) names.push_back(s.name);
  for (const auto& s : xception_specs()) names.push_back(s.name);
  return names;
}

std::shared_ptr<EmotionNet> make_network(const std::string& arch, int64_t num_classes, int64_t in_channels) {
  if (is_xception(arch)) return std::make_shared<XceptionImpl>(xception_spec(arch), num_classes, in_channels);
  if (is_resnet(arch)) return std::make_shared<ResNetImpl>(resnet_spec(arch), num_classes, in_channels);
  std::string known;
  for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown architecture '" + arch + "' (known: " + known + ")");
}

namespace {

bool is_xception_dict(const StateDict& sd) { return sd.count("stem.0.weight") && sd.count("classifier.weight"); }

std::string infer_xception(const StateDict& sd) {
  std::vector<int> widths;
  for (size_t i = 0;; ++i) {
    const auto it = sd.find("blocks." + std::to_string(i) + ".bn2.weight");
    if (it == sd.end()) break;
    widths.push_back(static_cast<int>(it->second.size(0)));
  }
  for (const auto& spec : xception_specs())
    if (spec.blocks == widths) return spec.name;
  std::ostringstream msg;
  msg << "its keys look like an Xception but its " << widths.size() << " blocks (widths";
  for (int w : widths) msg << " " << w;
  msg << ") match none of xception2 (128 256) and xception3 (128 256 512)";
  throw std::runtime_error(msg.str());
}

}  // namespace

std::string infer_architecture(const StateDict& sd) {
  return is_xception_dict(sd) ? infer_xception(sd) : infer_resnet(sd).name;
}

int64_t infer_num_classes(const StateDict& sd) {
  const char* key = is_xception_dict(sd) ? "classifier.weight" : "fc.weight";
  const auto it = sd.find(key);
  if (it == sd.end() || it->second.dim() < 2)
    throw std::runtime_error(std::string(key) + " is missing or not a matrix, so the class count is unknown");
  return it->second.size(0);
}

int64_t infer_input_channels(const StateDict& sd) {
  const char* key = is_xception_dict(sd) ? "stem.0.weight" : "conv1.weight";
  const auto it = sd.find(key);
  if (it == sd.end() || it->second.dim() != 4)
    throw std::runtime_error(std::string(key) + " is missing or not a convolution, so the input channels are unknown");
  return it->second.size(1);
}

std::unique_ptr<FoldedNet> fold_network(const std::string& arch, const StateDict& sd,
                                        const onednn::Numerics& numerics, torch::Device device) {
  if (is_xception(arch)) {
    if (!device.is_cpu()) return nullptr;
    return std::make_unique<FoldedXception>(xception_spec(arch), sd, numerics);
  }
  return std::make_unique<FoldedResNet>(resnet_spec(arch), sd, numerics, device);
}

}  // namespace fer
