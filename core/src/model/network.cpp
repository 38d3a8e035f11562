#include "network.hpp"

#include "architectures.hpp"
#include "fer/errors.hpp"

#include "runtime/cpu_features.hpp"
#include "runtime/inference_threads.hpp"

namespace fer {

torch::Device parse_device(const std::string& device) {
  torch::Device d(torch::kCPU);
  try {
    d = torch::Device(device);
  } catch (const std::exception&) {
    throw std::runtime_error("unknown device '" + device + "'; use cpu or cuda");
  }
  if (d.is_cuda() && !torch::cuda::is_available())
    throw ModelError("device '" + device + "' asked for, but this LibTorch has no CUDA or sees no GPU; use device=cpu",
                     ErrorKind::NoDevice);
  if (!d.is_cpu() && !d.is_cuda()) throw std::runtime_error("unsupported device '" + device + "'; use cpu or cuda");
  return d;
}

torch::Tensor Classifier::Impl::forward(const torch::Tensor& input) {
  prepare_inference_thread();
  const torch::Tensor x = input.to(device);
  if (folded) return folded->forward(x);
  if (net) return net->forward(x);
  return script->forward({x}).toTensor();
}

void prepare_inference(Classifier::Impl& impl, Precision precision) {
  if (precision == Precision::Eager) {
    impl.folded.reset();
    impl.info.precision = "fp32";
    return;
  }
  const bool bf16 = precision == Precision::Bf16 ||
                    (precision == Precision::Auto && impl.device.is_cpu() && cpu_has_native_bf16());
  if (bf16 && impl.device.is_cpu() && impl.net) require_bf16_kernels("precision bf16");
  impl.info.precision = bf16 ? "bf16" : "fp32";
  impl.folded.reset();
  if (!impl.net) return;  // TorchScript runs as it was saved
  impl.folded = fold_network(impl.info.arch, state_dict_of(*impl.net), bf16, impl.device);
}

}  // namespace fer
