#include "fer/classifier.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>

#include <opencv2/core.hpp>

#include "fer/errors.hpp"
#include "fer/preprocess.hpp"
#include "network.hpp"
#include "runtime/inference_threads.hpp"

namespace fer {

const char* name_of(Precision precision) {
  switch (precision) {
    case Precision::Auto: return "auto";
    case Precision::Fp32: return "fp32";
    case Precision::Bf16: return "bf16";
    case Precision::Int8: return "int8";
    case Precision::Eager: return "eager";
  }
  return "?";
}

Precision parse_precision(const std::string& name) {
  for (Precision p : {Precision::Auto, Precision::Fp32, Precision::Bf16, Precision::Int8, Precision::Eager})
    if (name == name_of(p)) return p;
  throw std::invalid_argument("unknown precision '" + name + "'; use auto, fp32, bf16 or int8");
}

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Feremotion: return "feremotion";
    case ModelKind::StateDict: return "state_dict";
    case ModelKind::TorchScript: return "torchscript";
  }
  return "?";
}

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id++;
}
Classifier::~Classifier() = default;

const ModelInfo& Classifier::info() const { return impl_->info; }

void Classifier::set_precision(Precision precision) { prepare_inference(*impl_, precision); }

void Classifier::set_threads(int threads) { set_inference_threads(threads); }

cv::Mat Classifier::preprocess(const std::vector<cv::Mat>& crops) const {
  const ModelInfo& info = impl_->info;
  const int s = info.input_size;
  const int dims[4] = {static_cast<int>(crops.size()), info.channels, s, s};
  cv::Mat blob(4, dims, CV_32F);
  for (size_t i = 0; i < crops.size(); ++i)
    crop_to_chw(crops[i], s, info.mean, info.std, blob.ptr<float>(static_cast<int>(i)), info.channels);
  return blob;
}

cv::Mat Classifier::logits(const cv::Mat& blob) const {
  CV_Assert(blob.dims == 4 && blob.type() == CV_32F && blob.isContinuous() && blob.size[1] == impl_->info.channels);
  const int n = blob.size[0];
  if (n == 0) return cv::Mat(0, static_cast<int>(num_classes()), CV_32F);
  torch::InferenceMode guard;
  const auto input = torch::from_blob(const_cast<float*>(blob.ptr<float>()),
                                      {n, blob.size[1], blob.size[2], blob.size[3]}, torch::kFloat32);
  const torch::Tensor out = impl_->forward(input).to(torch::kCPU, torch::kFloat32).contiguous();
  cv::Mat result(n, static_cast<int>(out.size(1)), CV_32F);
  std::copy_n(out.data_ptr<float>(), out.numel(), result.ptr<float>());
  return result;
}

const char* name_of(Classifier::Tta tta) { return tta == Classifier::Tta::Flip ? "flip" : "none"; }

std::vector<std::vector<float>> Classifier::classify(const std::vector<cv::Mat>& crops, Tta tta) const {
  std::vector<cv::Mat> batch = crops;
  if (tta == Tta::Flip)
    for (const auto& c : crops) {
      batch.emplace_back();
      cv::flip(c, batch.back(), 1);
    }
  const cv::Mat z = logits(preprocess(batch));
  std::vector<std::vector<float>> probs(crops.size());
  for (int i = 0; i < z.rows; ++i) {
    const float* row = z.ptr<float>(i);
    const float mx = *std::max_element(row, row + z.cols);
    std::vector<double> e(z.cols);
    double sum = 0;
    for (int j = 0; j < z.cols; ++j) sum += e[j] = std::exp(row[j] - mx);
    auto& out = probs[i % crops.size()];
    out.resize(z.cols, 0.f);
    // The mirror's half is added to the original's (the mean of the two softmaxes).
    const double share = tta == Tta::Flip ? 0.5 : 1.0;
    for (int j = 0; j < z.cols; ++j) out[j] += static_cast<float>(share * e[j] / sum);
  }
  return probs;
}

std::vector<std::string> split_labels(const std::string& comma_separated) {
  std::vector<std::string> out;
  if (comma_separated.empty()) return out;
  size_t begin = 0;
  for (;;) {  // getline would drop a trailing empty item ("a,b,")
    const size_t comma = comma_separated.find(',', begin);
    out.push_back(comma_separated.substr(begin, comma - begin));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  check_class_names(out, "labels '" + comma_separated + "'");
  return out;
}

void check_class_names(const std::vector<std::string>& names, const std::string& source) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].find_first_not_of(" \t") == std::string::npos)
      throw ModelError(source + ": class name " + std::to_string(i + 1) + " of " + std::to_string(names.size()) +
                       " is empty; give one non-empty name per class, e.g. Anger,Fear,Happy,Neutral,Sad");
    for (size_t j = 0; j < i; ++j)
      if (names[j] == names[i])
        throw ModelError(source + ": class name '" + names[i] + "' is given twice (names " + std::to_string(j + 1) +
                         " and " + std::to_string(i + 1) + "); each class needs its own name, since results are "
                         "keyed by it");
  }
}

std::string crop_mismatch(const TrainingCrop& trained, DetectorKind kind) {
  const std::string detector = name_of(kind);
  if (!trained.recorded || trained.detector == "none" || trained.detector == detector) return "";
  return "the model was trained on faces cut by the " + trained.detector + " detector, but faces are found with " +
         detector + " here, which cuts them differently; use the " + trained.detector +
         " detector for the accuracy the model was measured at";
}

size_t argmax(const std::vector<float>& values) {
  return static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

}  // namespace fer
