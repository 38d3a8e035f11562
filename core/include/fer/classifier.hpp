// Face crops in, class probabilities out. LibTorch stays behind the pointer so that
// including this header costs no more than OpenCV.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/model_info.hpp"

namespace fer {

class Classifier {
 public:
  // Loads any of the three kinds of file (see model_loader); throws fer::ModelError.
  static std::shared_ptr<Classifier> load(const std::string& path, const LoadOptions& options = {});
  // A freshly initialised network (torchvision's initialisation), for training and benchmarks;
  // channels 1: grey input.
  static std::shared_ptr<Classifier> create(const std::string& arch, const std::vector<std::string>& classes,
                                            int input_size = 224, const std::string& device = "cpu",
                                            int channels = 3);
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  const ModelInfo& info() const;
  // Unique for the process' life: a model loaded again (same file) gets another id, so state
  // kept for one model (smoothed probabilities, results in flight) is never mixed into another's.
  uint64_t id() const { return id_; }
  size_t num_classes() const { return info().classes.size(); }

  // BGR (or grey) crops of any size -> N x channels x S x S float blob (cv::dnn layout),
  // the same numbers torchvision's Resize/ToTensor/Normalize gives on a PIL image.
  cv::Mat preprocess(const std::vector<cv::Mat>& crops) const;
  // N x channels x S x S blob -> N x C raw logits (CV_32F).
  cv::Mat logits(const cv::Mat& blob) const;
  // Crops -> one probability vector per crop (softmax of the logits). Tta::Flip averages each
  // crop's probabilities with its mirror image's (both in one batch): a face's expression is
  // left-right symmetric, its noise is not.
  enum class Tta { None, Flip };
  std::vector<std::vector<float>> classify(const std::vector<cv::Mat>& crops, Tta tta = Tta::None) const;

  // int8 post-training quantisation: runs these face crops (as classify takes them) through the
  // fp32 network, one at a time, and keeps as the model's calibration each activation's range: the
  // given percentile of its per-crop maxima (100: the largest). save() writes it; precision int8
  // runs on it. Deterministic: the same crops give the same ranges. `source` is recorded (the folder).
  // Where the CPU runs int8 it then runs the crops through the int8 graph and records the share
  // that keep fp32's label (label_agreement; precision auto reads it), else records it unmeasured.
  const Int8Calibration& calibrate_int8(const std::vector<cv::Mat>& crops, const std::string& source,
                                        double percentile = 100);

  // Writes the project's model file (atomic); TorchScript models cannot be re-saved.
  void save(const std::string& path, const std::string& training_json = "{}") const;

  // Rebuilds the inference copy: "auto", "fp32", "bf16", "int8" (BatchNorm folded, packed), or
  // "eager" (the plain module, the baseline benchmarks compare against). Not thread-safe
  // against concurrent classify() calls.
  void set_precision(Precision precision);

  // Intra-op threads for every model in the process (LibTorch's setting is global).
  static void set_threads(int threads);

  struct Impl;
  explicit Classifier(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
  uint64_t id_;
};

// "none", "flip".
const char* name_of(Classifier::Tta tta);

// Index of the largest value.
size_t argmax(const std::vector<float>& values);

}  // namespace fer
