// Reads the three kinds of model file, told apart by content: the project's own dict,
// a bare torchvision state_dict (an OrderedDict LibTorch 1.13 cannot unpickle), TorchScript.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint_archive.hpp"
#include "checkpoint/checkpoint_error.hpp"
#include "fer/errors.hpp"
#include "fer/input_file.hpp"
#include "architectures.hpp"
#include "model_loader.hpp"
#include "model_metadata.hpp"
#include "network.hpp"
#include "state_dict.hpp"
#include "tensor_convert.hpp"

namespace fer {
namespace {

using pickle::Value;

bool is_tensor_dict(const Value& v) {
  if (v.kind != Value::Kind::Dict || v.dict.empty()) return false;
  for (const auto& [k, t] : v.dict)
    if (!k || k->kind != Value::Kind::String || !t || t->kind != Value::Kind::Tensor) return false;
  return true;
}

std::string describe_keys(const Value& dict) {
  std::string out;
  for (size_t i = 0; i < dict.dict.size() && i < 8; ++i) {
    const auto& k = dict.dict[i].first;
    out += (i ? ", " : "") + (k && k->kind == Value::Kind::String ? "'" + k->s + "'" : std::string("<non-string>"));
  }
  return out;
}

void load_network(Classifier::Impl& net, const RawCheckpoint& raw) {
  const Value& root = *raw.root;
  const Value* sd_value = &root;
  net.info.kind = ModelKind::StateDict;
  if (!is_tensor_dict(root)) {
    sd_value = nullptr;
    for (const char* key : {"state_dict", "model_state_dict", "model"})
      if (const Value* v = find(root, key); v && is_tensor_dict(*v)) { sd_value = v; break; }
    if (!sd_value) {
      if (root.kind != Value::Kind::Dict)
        throw std::runtime_error("it holds no dict of tensors (not a state_dict or a feremotion model)");
      throw std::runtime_error("it is a dict with keys " + describe_keys(root) +
                               " but no 'state_dict' of tensors; save model.state_dict() instead");
    }
    if (find(root, "arch") || find(root, "classes")) {
      net.info.kind = ModelKind::Feremotion;
      read_metadata(root, net.info);
    }
  }
  StateDict sd = strip_module_prefix(state_dict_from_checkpoint(raw, *sd_value));
  const std::string arch = infer_architecture(sd);
  if (const Value* a = find(root, "arch"); a && a->kind == Value::Kind::String && a->s != arch)
    throw std::runtime_error("it says arch '" + a->s + "' but its weights are those of " + arch);
  const int64_t channels = infer_input_channels(sd);
  if (net.info.kind == ModelKind::Feremotion && channels != net.info.channels)
    throw std::runtime_error("it says input_channels " + std::to_string(net.info.channels) +
                             " but its first convolution takes " + std::to_string(channels));
  if (channels != 1 && channels != 3)
    throw std::runtime_error("its first convolution takes " + std::to_string(channels) +
                             " channels; only 1 (grey) and 3 (RGB) inputs exist");
  net.info.arch = arch;
  net.info.channels = static_cast<int>(channels);
  net.net = make_network(arch, infer_num_classes(sd), channels);
  load_state_dict(*net.net, sd);
  net.net->eval();
}

void load_torchscript(Classifier::Impl& net, const std::string& bytes) {
  net.info.kind = ModelKind::TorchScript;
  net.info.arch = "torchscript";
  std::istringstream in(bytes);
  net.script = torch::jit::load(in, torch::kCPU);
  net.script->eval();
}

void finish_info(Classifier::Impl& net, const LoadOptions& opts) {
  ModelInfo& info = net.info;
  if (opts.input_size > 0) info.input_size = opts.input_size;
  if (info.input_size < 16 || info.input_size > 1024)
    throw std::runtime_error("input size " + std::to_string(info.input_size) + " is outside 16..1024");
  int64_t outputs = 0;
  if (net.net) {
    outputs = infer_num_classes(state_dict_of(*net.net));
  } else {
    torch::InferenceMode guard;
    const auto probe = net.forward(torch::zeros({1, 3, info.input_size, info.input_size}));
    if (probe.dim() != 2 || probe.size(0) != 1)
      throw std::runtime_error("the TorchScript module maps (1,3,H,W) to shape " +
                               std::string(c10::str(probe.sizes())) + ", not (1, classes)");
    outputs = probe.size(1);
  }
  if (!opts.labels.empty()) info.classes = opts.labels;
  if (info.classes.empty() && outputs == static_cast<int64_t>(default_classes().size())) info.classes = default_classes();
  if (static_cast<int64_t>(info.classes.size()) != outputs)
    throw std::runtime_error("the classifier has " + std::to_string(outputs) + " outputs but " +
                             std::to_string(info.classes.size()) + " class names were given; pass " +
                             std::to_string(outputs) + " comma-separated labels (element: labels=, tools: --labels)");
  check_class_names(info.classes, "its class names");
  if (info.training_json.empty()) info.training_json = "{}";
}

}  // namespace

std::shared_ptr<Classifier> load_classifier_bytes(std::string bytes, const std::string& path, const LoadOptions& opts) {
  auto net = std::make_unique<Classifier::Impl>();
  net->info.path = path;
  if (bytes.empty()) throw ModelError("model file '" + path + "' is empty; it was probably not saved completely");
  try {
    net->device = parse_device(opts.device);
    if (!ZipArchive::looks_like_zip(bytes)) {
      if (bytes.size() > 2 && static_cast<unsigned char>(bytes[0]) == 0x80)
        throw std::runtime_error("it uses PyTorch's legacy (pre-1.6) format; load it in Python and save it again "
                                 "with torch.save(obj, path)");
      throw std::runtime_error("it is not a PyTorch model file (no zip archive inside); expected a .pth written by "
                               "torch.save, fer-train or torch.jit.save");
    }
    ZipArchive zip(std::move(bytes));
    if (is_torchscript_archive(zip)) {
      // TorchScript carries code and goes to LibTorch's own loader, which is not hardened against
      // hostile files the way the .pth reader is.
      if (!opts.allow_torchscript)
        throw ModelError("model file '" + path + "' is TorchScript, which can carry code and is refused by default; "
                         "if you trust it, allow it (element: allow-torchscript=true, tools: --allow-torchscript), "
                         "or save its state_dict with torch.save(model.state_dict(), path)", ErrorKind::Refused);
      load_torchscript(*net, zip.bytes());
    } else {
      const RawCheckpoint raw = read_raw_checkpoint(std::move(zip));
      load_network(*net, raw);
    }
    finish_info(*net, opts);
    if (net->net) net->net->to(net->device);
    if (net->script) net->script->to(net->device);
    prepare_inference(*net, opts.precision);
  } catch (const ModelError& e) {
    if (std::string(e.what()).find("'" + path + "'") != std::string::npos) throw;
    throw ModelError("cannot load model '" + path + "': " + e.what(), e.kind());
  } catch (const std::exception& e) {
    // c10::Error carries a C++ backtrace after the first line: keep the first line.
    std::string what = e.what();
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    throw ModelError("cannot load model '" + path + "': " + what);
  }
  return std::make_shared<Classifier>(std::move(net));
}

std::shared_ptr<Classifier> Classifier::load(const std::string& path, const LoadOptions& opts) {
  return load_classifier_bytes(read_input_file(path, "model file"), path, opts);
}

std::shared_ptr<Classifier> Classifier::create(const std::string& arch, const std::vector<std::string>& classes,
                                               int input_size, const std::string& device, int channels) {
  if (classes.empty()) throw std::invalid_argument("a classifier needs at least one class");
  auto net = std::make_unique<Impl>();
  net->info.kind = ModelKind::Feremotion;
  net->info.arch = arch;
  net->info.classes = classes;
  net->info.input_size = input_size;
  net->info.channels = channels;
  net->info.mean = default_mean(channels);
  net->info.std = default_std(channels);
  net->info.training_json = "{}";
  net->device = parse_device(device);
  net->net = make_network(arch, static_cast<int64_t>(classes.size()), channels);
  net->net->eval();
  net->net->to(net->device);
  return std::make_shared<Classifier>(std::move(net));
}

}  // namespace fer
