#include "network.hpp"

namespace fer {

torch::Device parse_device(const std::string& device) {
  torch::Device d(torch::kCPU);
  try {
    d = torch::Device(device);
  } catch (const std::exception&) {
    throw std::runtime_error("unknown device '" + device + "'; use cpu or cuda");
  }
  if (d.is_cuda() && !torch::cuda::is_available())
    throw std::runtime_error("device '" + device + "' asked for, but this LibTorch has no CUDA or sees no GPU; use device=cpu");
  if (!d.is_cpu() && !d.is_cuda()) throw std::runtime_error("unsupported device '" + device + "'; use cpu or cuda");
  return d;
}

torch::Tensor Classifier::Impl::forward(const torch::Tensor& input) {
  const torch::Tensor x = input.to(device);
  if (resnet) return resnet->forward(x);
  return script->forward({x}).toTensor();
}

}  // namespace fer
