#include "init_weights.hpp"

#include <fstream>
#include <iterator>

#include "checkpoint/checkpoint_archive.hpp"
#include "fer/errors.hpp"
#include "model/state_dict.hpp"
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

std::string load_initial_weights(ResNet& model, const std::string& arch, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("--init file '" + path + "' cannot be read; check the path");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StateDict sd;
  try {
    const RawCheckpoint raw = read_raw_checkpoint(std::move(bytes));
    const Value* dict = raw.root.get();
    if (!is_tensor_dict(*dict)) dict = raw.root->get("state_dict");
    if (!dict || !is_tensor_dict(*dict))
      throw ModelError("--init file '" + path + "' holds no state_dict; expected a torchvision .pth or a fer-train model");
    sd = state_dict_from_checkpoint(raw, *dict);
  } catch (const ModelError&) {
    throw;
  } catch (const std::exception& e) {
    throw ModelError("--init file '" + path + "' cannot be read: " + e.what());
  }
  sd = strip_module_prefix(std::move(sd));
  const ResNetSpec& spec = infer_resnet(sd);
  if (spec.name != arch)
    throw ModelError("--init file '" + path + "' holds " + spec.name + " weights but --arch is " + arch +
                     "; pass --arch " + spec.name);
  const StateDict own = state_dict_of(*model);
  std::string note = "weights from " + path;
  for (const char* key : {"fc.weight", "fc.bias"}) {
    auto it = sd.find(key);
    if (it != sd.end() && !it->second.sizes().equals(own.at(key).sizes())) {
      note = "weights from " + path + " (classifier layer re-initialised: " +
             std::to_string(it->second.size(0)) + " -> " + std::to_string(own.at(key).size(0)) + " classes)";
      it->second = own.at(key).clone();  // another class count: keep the new layer's initialisation
    }
  }
  load_state_dict(*model, sd);
  return note;
}

}  // namespace fer::train
