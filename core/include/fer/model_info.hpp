// What a loaded emotion model is: plain data shared by the plugin and the tools.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "fer/face_detector.hpp"

namespace fer {

// The five classes of the original project, in its ImageFolder (alphabetical) order.
inline const std::vector<std::string>& default_classes() {
  static const std::vector<std::string> names{"Anger", "Fear", "Happy", "Neutral", "Sad"};
  return names;
}

// "a,b,c" -> {"a", "b", "c"}: how labels are given on command lines and in properties. "" is no
// names (the model's own); an empty name (",,", "a,,b"), a blank one or a name given twice throws
// fer::ModelError naming it, since class names key the results.
std::vector<std::string> split_labels(const std::string& comma_separated);

// Throws fer::ModelError where a class name is empty or repeated (`source` says where they came from).
void check_class_names(const std::vector<std::string>& names, const std::string& source);

inline constexpr std::array<float, 3> kImageNetMean{0.485f, 0.456f, 0.406f};
inline constexpr std::array<float, 3> kImageNetStd{0.229f, 0.224f, 0.225f};
// A new model's normalisation: ImageNet's for RGB (torchvision's), (g - 0.5) / 0.5 for grey (FER2013's).
inline std::array<float, 3> default_mean(int channels) { return channels == 1 ? std::array<float, 3>{0.5f} : kImageNetMean; }
inline std::array<float, 3> default_std(int channels) { return channels == 1 ? std::array<float, 3>{0.5f} : kImageNetStd; }
// Grey = 0.2989 R + 0.5870 G + 0.1140 B: TensorFlow's rgb_to_grayscale, what FER2013 models were
// trained with (PIL's "L" rounds to 0.299/0.587/0.114).
inline constexpr std::array<float, 3> kGreyWeights{0.2989f, 0.5870f, 0.1140f};

enum class ModelKind { Feremotion, StateDict, TorchScript };

// What inference runs in. Auto: int8 where the file is calibrated (fer-quantize) and the CPU has
// VNNI, else bf16 where the CPU has it natively, else fp32. Int8: calibrated files only. Eager: the
// module as it is, through LibTorch (the benchmarks' baseline).
enum class Precision { Auto, Fp32, Bf16, Int8, Eager };
const char* name_of(Precision precision);
// "auto", "fp32", "bf16", "int8", "eager"; throws std::invalid_argument naming the choices.
Precision parse_precision(const std::string& name);
const char* model_kind_name(ModelKind kind);

// How the training images were cut: the element and fer-predict cut faces the same way unless
// told otherwise (a model sees its best accuracy on the crops it learnt from).
struct TrainingCrop {
  bool recorded = false;         // false: the file does not say (another tool's, or an older fer-train)
  std::string detector = "none";  // "none": the images were crops already
  double margin = 0.0;
  bool align = false;
  bool border = false;  // fer-train --crop-border: the crops were cut from images given a border
};

// Empty, or a warning that faces are found with another detector than the training images were
// cut with (accuracy then drops), naming the setting that fixes it.
std::string crop_mismatch(const TrainingCrop& trained, DetectorKind detector);

// What int8 inference needs beyond the weights (written by fer-quantize): the largest |value| each
// activation took on real faces, keyed by the PyTorch name of the convolution that writes it.
struct Int8Calibration {
  std::map<std::string, float> activation_max;  // empty: not calibrated
  std::string json = "{}";  // what it was measured on: {"images", "data", "statistic", "label_agreement"}
  // Share of the calibration crops int8 labels as fp32 does; -1: absent (a file calibrated before
  // feremotion measured it).
  double label_agreement = -1;
  // Recorded as not measured (null: calibrated where int8 could not run): auto does not take int8.
  bool agreement_unmeasured = false;
  bool empty() const { return activation_max.empty(); }
};

// precision auto takes a calibrated file's int8 only where int8 kept at least this share of the
// labels on its calibration crops (a model of many near ties keeps them better in bf16).
constexpr double kAutoInt8MinAgreement = 0.99;

struct ModelInfo {
  std::string path;
  ModelKind kind = ModelKind::Feremotion;
  std::string arch;                  // "resnet50", ...; "torchscript" for scripted modules
  std::vector<std::string> classes;  // one name per logit
  int input_size = 224;              // square side the crops are resized to
  int channels = 3;                  // 3: RGB; 1: grey (kGreyWeights), as FER2013 models take faces
  std::array<float, 3> mean = kImageNetMean;  // per channel (the first `channels` count)
  std::array<float, 3> std = kImageNetStd;
  std::string training_json;         // free-form training info, "{}" when absent
  TrainingCrop crop;                 // from training_json's "crop"
  Int8Calibration int8;              // the file's "int8" entry
  std::string precision = "fp32";    // what inference runs in: fp32, bf16 or int8
  std::string precision_note;        // why auto chose less than the file allows ("" when it did not)
};

// What a caller may impose on a file that does not say it itself.
struct LoadOptions {
  std::vector<std::string> labels;  // override class names (count must match the classifier)
  int input_size = 0;               // 0: from the file, else 224
  std::string device = "cpu";       // "cpu" or "cuda"
  Precision precision = Precision::Auto;
  bool allow_torchscript = false;   // TorchScript can carry code: read only when the user trusts the file
};

}  // namespace fer
