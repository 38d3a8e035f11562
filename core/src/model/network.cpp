#include "network.hpp"

#include "fer/errors.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <ATen/Parallel.h>

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

namespace {

// The thread count wanted for inference: 0 = one per CPU.
std::atomic<int> g_threads{0};

// OpenMP keeps the team size per calling thread, and its default here is one thread (libgomp
// reports omp_get_max_threads() = 1 on the 2-CPU machine; PyTorch then runs on one core too):
// ResNet50 took 59.8 ms a face in the element against 43.3 on two. So every inferring thread
// (GStreamer's streaming thread, the async worker, a tool's main thread) sets it when it differs.
void use_inference_threads() {
  const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int want = g_threads.load() > 0 ? g_threads.load() : cpus;
  if (at::get_num_threads() != want) at::set_num_threads(want);
}

// Untrained and some trained weights drive activations into denormal floats, which x86 computes
// ~100x slower (measured: ResNet50 3.8 s instead of 28 ms). Flushing them to zero changes no result
// that matters; MXCSR is per thread, so set it on every intra-op worker, cheaply, on every call.
void flush_denormals_on_all_threads() {
  at::parallel_for(0, at::get_num_threads(), 1, [](int64_t, int64_t) { at::globalContext().setFlushDenormal(true); });
  at::globalContext().setFlushDenormal(true);
}

}  // namespace

void prepare_inference_thread() {
  use_inference_threads();
  flush_denormals_on_all_threads();
}

void set_inference_threads(int threads) {
  g_threads = std::max(0, threads);
  use_inference_threads();
}

torch::Tensor Classifier::Impl::forward(const torch::Tensor& input) {
  prepare_inference_thread();
  const torch::Tensor x = input.to(device);
  if (folded) return folded->forward(x);
  if (resnet) return resnet->forward(x);
  return script->forward({x}).toTensor();
}

void prepare_inference(Classifier::Impl& impl, const std::string& precision) {
  if (precision == "eager") {
    impl.folded.reset();
    impl.info.precision = "fp32";
    return;
  }
  if (precision != "auto" && precision != "fp32" && precision != "bf16")
    throw std::runtime_error("unknown precision '" + precision + "'; use auto, fp32 or bf16");
  const bool bf16 = precision == "bf16" || (precision == "auto" && impl.device.is_cpu() && cpu_has_native_bf16());
  if (bf16 && impl.device.is_cpu() && impl.resnet) require_bf16_kernels("precision bf16");
  impl.info.precision = bf16 ? "bf16" : "fp32";
  impl.folded.reset();
  if (!impl.resnet) return;  // TorchScript runs as it was saved
  impl.folded.emplace(resnet_spec(impl.info.arch), state_dict_of(*impl.resnet), bf16 ? torch::kBFloat16 : torch::kFloat32,
                      impl.device);
}

}  // namespace fer
