#include "network.hpp"

#include <cstdio>

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

namespace {

std::string percent(double share) {
  char s[16];
  std::snprintf(s, sizeof s, "%.4g%%", 100 * share);  // 98.97%, never a rounded-up 99.0%
  return s;
}

// Why this model cannot run int8 here ("" where it can).
std::string int8_obstacle(const Classifier::Impl& impl) {
  const auto& path = impl.info.path.empty() ? std::string("this model") : "'" + impl.info.path + "'";
  if (!impl.net) return path + " is TorchScript, which runs as it was saved";
  if (impl.info.int8.empty())
    return path + " is not calibrated for int8; run fer-quantize --model " +
           (impl.info.path.empty() ? std::string("M") : impl.info.path) + " --data FACES_DIR --out Q.pth and load Q.pth";
  if (!impl.device.is_cpu()) return "int8 runs on the CPU only; use device=cpu";
  if (!cpu_has_vnni()) return "this CPU has no VNNI (AVX512-VNNI or AMX), which int8 needs to be fast and exact";
  return "";
}

}  // namespace

void prepare_inference(Classifier::Impl& impl, Precision precision) {
  impl.info.precision_note.clear();
  if (precision == Precision::Eager) {
    impl.folded.reset();
    impl.info.precision = "fp32";
    return;
  }
  const std::string obstacle = int8_obstacle(impl);
  if (precision == Precision::Int8 && !obstacle.empty())
    throw ModelError("precision int8: " + obstacle, ErrorKind::NoDevice);
  const double agreement = impl.info.int8.label_agreement;
  const bool unmeasured = impl.info.int8.agreement_unmeasured;
  const bool keeps_labels = !unmeasured && (agreement < 0 || agreement >= kAutoInt8MinAgreement);
  const bool int8 = precision == Precision::Int8 || (precision == Precision::Auto && obstacle.empty() && keeps_labels);
  // A calibrated file that auto does not run as int8 here says so once (the loader's caller logs it).
  if (precision == Precision::Auto && !impl.info.int8.empty() && !obstacle.empty())
    impl.info.precision_note = "int8 calibration not used: " + obstacle;
  else if (precision == Precision::Auto && !impl.info.int8.empty() && unmeasured)
    impl.info.precision_note = "int8 calibration not used: it was made where int8 could not run, so how many labels "
                               "int8 keeps was not measured; run fer-quantize again on this CPU, or precision int8 "
                               "runs it anyway";
  else if (precision == Precision::Auto && !impl.info.int8.empty() && !keeps_labels)
    impl.info.precision_note = "int8 calibration not used: int8 gave fp32's label on " +
                               percent(agreement) + " of its calibration crops, auto wants " +
                               percent(kAutoInt8MinAgreement) + "; precision int8 runs it anyway";
  const bool bf16 = !int8 && (precision == Precision::Bf16 ||
                              (precision == Precision::Auto && impl.device.is_cpu() && cpu_has_native_bf16()));
  if (bf16 && impl.device.is_cpu() && impl.net) require_bf16_kernels("precision bf16");
  impl.info.precision = int8 ? "int8" : bf16 ? "bf16" : "fp32";
  impl.folded.reset();
  if (!impl.net) return;  // TorchScript runs as it was saved
  onednn::Numerics numerics;
  numerics.type = int8 ? dnnl::memory::data_type::s8 : bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  if (int8) numerics.calibrated = impl.info.int8.activation_max;
  impl.folded = fold_network(impl.info.arch, state_dict_of(*impl.net), numerics, impl.device);
}

}  // namespace fer
