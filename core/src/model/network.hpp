// The loaded network behind fer::Classifier: one of the core's architectures or a TorchScript module.
#pragma once

#include <optional>

#include <torch/script.h>
#include <torch/torch.h>

#include "fer/classifier.hpp"
#include "emotion_net.hpp"

namespace fer {

struct Classifier::Impl {
  ModelInfo info;
  std::shared_ptr<EmotionNet> net;           // set for ModelKind::Feremotion and StateDict
  std::optional<torch::jit::Module> script;  // set for ModelKind::TorchScript
  std::unique_ptr<FoldedNet> folded;         // the fast inference copy of net
  torch::Device device{torch::kCPU};

  torch::Tensor forward(const torch::Tensor& input);
};

// Builds impl.folded from impl.net at the precision asked ("auto": int8 where the file is
// calibrated, its recorded label agreement reaches kAutoInt8MinAgreement and the CPU has VNNI;
// else bf16 where the CPU has native bf16; else fp32) and records it in impl.info.precision, and
// in impl.info.precision_note why auto did not take a calibrated file's int8.
void prepare_inference(Classifier::Impl& impl, Precision precision);

// Parses device strings ("cpu", "cuda", "cuda:1") and fails clearly where the build has no CUDA.
torch::Device parse_device(const std::string& device);

}  // namespace fer

namespace fer {
// Writes the project's model file (atomically): the one writer behind Classifier::save and
// fer-train. Throws ModelError naming the file.
void save_model_file(const std::string& path, const ModelInfo& info, const torch::nn::Module& model);
}  // namespace fer
