#include "init_weights.hpp"

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint_archive.hpp"
#include "fer/errors.hpp"
#include "fer/input_file.hpp"
#include "model/architectures.hpp"
#include "model/model_metadata.hpp"
#include "model/tensor_convert.hpp"

namespace fer::train {
namespace {

using pickle::Value;

bool is_tensor_dict(const Value& v) {
  if (!v.is_dict() || v.dict.empty()) return false;
  for (const auto& [k, t] : v.dict)
    if (!k || !k->is_string() || !t || !t->is_tensor()) return false;
  return true;
}

}  // namespace

InitialWeights read_initial_weights(const std::string& path, const std::string& role) {
  InitialWeights init;
  init.path = path;
  init.role = role;
  try {
    const RawCheckpoint raw = read_raw_checkpoint(read_input_file(path, role));
    const Value* dict = raw.root.get();
    if (!is_tensor_dict(*dict)) {
      dict = raw.root->get("state_dict");
      init.described = find(*raw.root, "arch") != nullptr;
      if (init.described) read_metadata(*raw.root, init.info);
      init.folded_batchnorm = nlohmann::json::parse(init.info.training_json.empty() ? "{}" : init.info.training_json)
                                  .contains("imported");
    }
    if (!dict || !is_tensor_dict(*dict))
      throw ModelError(role + " '" + path + "' holds no state_dict; expected a torchvision .pth or a fer-train model");
    init.sd = strip_module_prefix(state_dict_from_checkpoint(raw, *dict));
    init.info.arch = infer_architecture(init.sd);
    init.info.channels = static_cast<int>(infer_input_channels(init.sd));
  } catch (const ModelError&) {
    throw;
  } catch (const std::exception& e) {
    throw ModelError(role + " '" + path + "' cannot be read: " + e.what());
  }
  return init;
}

std::string load_initial_weights(EmotionNet& model, const InitialWeights& init) {
  StateDict sd = init.sd;
  const StateDict own = state_dict_of(model);
  std::string note = "weights from " + init.path;
  for (const char* key : {"fc.weight", "fc.bias", "classifier.weight", "classifier.bias"}) {
    auto it = sd.find(key);
    if (it != sd.end() && own.count(key) && !it->second.sizes().equals(own.at(key).sizes())) {
      note = "weights from " + init.path + " (classifier layer re-initialised: " + std::to_string(it->second.size(0)) +
             " -> " + std::to_string(own.at(key).size(0)) + " classes)";
      it->second = own.at(key).clone();  // another class count: keep the new layer's initialisation
    }
  }
  try {
    load_state_dict(model, sd);
  } catch (const std::exception& e) {
    throw ModelError(init.role + " '" + init.path + "' does not fit: " + e.what());
  }
  return note;
}

}  // namespace fer::train
