// fer-eval: how good a model is on labelled images: accuracy, per-class precision/recall/F1, confusion.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>

#include "../../tools/common/enum_names.hpp"
#include "../cli_util.hpp"
#include "../progress.hpp"
#include "fer/classifier.hpp"
#include "fer/errors.hpp"
#include "fer/train/dataset.hpp"
#include "fer/train/face_cropper.hpp"
#include "fer/train/metrics.hpp"
#include "fer/train/split.hpp"

namespace {

bool is_csv(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".csv") == 0; }

// FER2013's PrivateTest rows, labels renumbered to the model's class order.
fer::train::Dataset csv_test_rows(const std::string& path, const std::string& map_spec,
                                  const std::vector<std::string>& model_classes) {
  auto d = fer::train::read_fer2013_csv(path, fer::train::parse_fer2013_mapping(map_spec), true);
  std::vector<int> to_model;
  for (const auto& name : d.classes) {
    const auto it = std::find(model_classes.begin(), model_classes.end(), name);
    if (it == model_classes.end())
      throw fer::train::DataError("FER2013 mapping names class '" + name + "' that the model does not have; "
                                  "fix --fer2013-map");
    to_model.push_back(static_cast<int>(it - model_classes.begin()));
  }
  for (auto& s : d.samples) s.label = to_model[s.label];
  d.classes = model_classes;
  return d;
}

// The images to score: a folder per class named like the model's classes, FER2013's test rows,
// or a run's validation split.
fer::train::Dataset evaluation_set(const std::string& data, const std::string& split_path, const std::string& map_spec,
                                   const std::vector<std::string>& model_classes, const std::vector<std::string>& only) {
  using fer::train::DataError;
  if (split_path.empty() && is_csv(data)) return csv_test_rows(data, map_spec, model_classes);
  if (split_path.empty()) {
    // Folders of `only` (a subset of the model's classes), labelled by the model's class index.
    const std::vector<std::string>& wanted = only.empty() ? model_classes : only;
    for (const auto& name : wanted)
      if (std::find(model_classes.begin(), model_classes.end(), name) == model_classes.end())
        throw DataError("--classes names '" + name + "', which the model does not have (it has " +
                        fer::cli::join(model_classes) + ")");
    auto d = fer::train::scan_image_folder(data, wanted, "evaluate fewer with --classes");
    for (auto& s : d.samples)
      s.label = static_cast<int>(std::find(model_classes.begin(), model_classes.end(), wanted[s.label]) -
                                 model_classes.begin());
    d.classes = model_classes;
    return d;
  }
  const auto split = fer::train::read_split(split_path);
  if (split.classes != model_classes)
    throw DataError("split '" + split_path + "' is over other classes than the model; evaluate the model it was made for");
  fer::train::Dataset d;
  d.root = data.empty() ? split.data_root : data;
  d.classes = split.classes;
  for (const auto& [path, label] : split.val) d.samples.push_back({path, label, {}, 0});
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-eval: score an emotion model on labelled face images"};
  std::string model_path, data, split_path, fer2013_map;
  fer::Classifier::Tta tta = fer::Classifier::Tta::None;
  bool json = false;
  int threads = 0, batch = 32;
  app.add_option("--model,-m", model_path, "model file (fer-train's or fer-import's .pth, a state_dict, TorchScript)")->required();
  app.add_option("--data", data, "DIR/<Class>/*.jpg with the model's class names (with --split: the data root), "
                                 "or FER2013's .csv (its PrivateTest rows)");
  app.add_option("--fer2013-map", fer2013_map, "FER2013 index=Class pairs, as for fer-train");
  std::string labels, only_classes;
  bool allow_torchscript = false;
  app.add_option("--labels", labels, "comma-separated class names of the model's outputs, overriding the file's (a "
                 "bare state_dict's default is Anger,Fear,Happy,Neutral,Sad)");
  app.add_option("--classes", only_classes, "evaluate only these of the model's classes (comma-separated; their "
                 "folders must exist), e.g. when a test set lacks one");
  app.add_flag("--allow-torchscript", allow_torchscript, "load a TorchScript model file (it can carry code: only "
               "files you trust)");
  std::string crop = "model", detector_model;
  app.add_option("--crop", crop, "model: cut faces as the model was trained (the detector, margin and alignment its "
                 "file records, as fer-train cut its validation images); none: classify the images whole")
      ->check(CLI::IsMember({"model", "none"}))->capture_default_str();
  app.add_option("--detector-model", detector_model, "the detector's file for --crop model: the cascade (haar; "
                 "default: OpenCV's) or the face_detection_yunet ONNX file (yunet)");
  app.add_option("--split", split_path, "evaluate exactly the validation images of a run (<model>.split.json)");
  app.add_option("--tta", tta, "test-time augmentation: none, or flip (average with the mirrored image; a batch then holds twice --batch-size images)")
      ->transform(fer::cli::ttas())->default_str("none");
  app.add_flag("--json", json, "print the results as one JSON object");
  app.add_option("--batch-size", batch, "images per forward pass")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--threads", threads, "inference threads (0: one per CPU)");
  fer::Precision precision = fer::Precision::Auto;
  app.add_option("--precision", precision, "auto (int8 where the file is calibrated, keeps >= 99% of its labels there and the CPU "
                 "has VNNI, else bf16 "
                 "where native, else fp32), fp32, bf16 or int8")->transform(fer::cli::precisions());
  CLI11_PARSE(app, argc, argv);
  if (data.empty() && split_path.empty()) {
    std::cerr << "fer-eval: pass --data DIR or --split FILE\n";
    return 2;
  }
  try {
    fer::Classifier::set_threads(threads);
    fer::LoadOptions lo;
    lo.labels = fer::split_labels(labels);
    lo.allow_torchscript = allow_torchscript;
    lo.precision = precision;
    const auto model = fer::Classifier::load(model_path, lo);
    if (!model->info().precision_note.empty()) std::cerr << "fer-eval: " << model->info().precision_note << "\n";
    const auto& classes = model->info().classes;
    // The crop the model was trained on, so that its score here is the one fer-train's validation gave.
    const fer::TrainingCrop& trained = model->info().crop;
    auto no_face = std::make_shared<std::atomic<long>>(0);
    fer::train::ImageTransform cut;
    if (crop == "model" && !trained.recorded)
      std::cerr << "fer-eval: the model file does not say how its faces were cut: the images are classified whole\n";
    if (crop == "model" && trained.detector != "none") {
      const auto kind = fer::parse_detector_kind(trained.detector);
      if (kind == fer::DetectorKind::Yunet && detector_model.empty())
        throw std::invalid_argument("the model was trained on YuNet crops: pass --detector-model "
                                    "face_detection_yunet.onnx (or --crop none to classify whole images)");
      cut = fer::train::face_cropper(kind, detector_model, {trained.margin, trained.align}, trained.border, no_face);
    }
    const auto set = evaluation_set(data, split_path, fer2013_map, classes, fer::split_labels(only_classes));
    fer::train::ConfusionMatrix cm(classes);
    std::vector<std::string> unreadable;
    fer::cli::ProgressBar bar;
    for (size_t begin = 0; begin < set.samples.size(); begin += batch) {
      std::vector<cv::Mat> crops;
      std::vector<int> labels;
      for (size_t i = begin; i < std::min(set.samples.size(), begin + batch); ++i) {
        cv::Mat img = set.samples[i].image.empty()
                          ? fer::train::read_image((std::filesystem::path(set.root) / set.samples[i].path).string())
                          : set.samples[i].image;  // CSV rows
        if (img.empty()) {
          unreadable.push_back(set.samples[i].path);
          continue;
        }
        crops.push_back(cut ? cut(img) : img);
        labels.push_back(set.samples[i].label);
      }
      const auto probs = model->classify(crops, tta);
      for (size_t k = 0; k < probs.size(); ++k) cm.add(labels[k], static_cast<int>(fer::argmax(probs[k])));
      bar.update("fer-eval", static_cast<long>(std::min(set.samples.size(), begin + batch)),
                 static_cast<long>(set.samples.size()), "");
    }
    bar.clear();
    for (const auto& p : unreadable) std::cerr << "skipped unreadable image: " << set.root << "/" << p << "\n";
    if (cut)
      std::cerr << "fer-eval: faces cut as trained (" << trained.detector << ", margin " << trained.margin
                << (trained.align ? ", aligned" : "") << "); no face found in " << no_face->load() << " of "
                << cm.total() << " images, classified whole as fer-train did\n";
    if (json) {
      auto j = cm.to_json();
      j["model"] = model_path;
      j["data"] = set.root;
      j["tta"] = fer::name_of(tta);
      j["crop"] = cut ? trained.detector : trained.recorded || crop == "none" ? "none" : "unrecorded";
      j["no_face"] = no_face->load();
      j["unreadable"] = unreadable;
      std::cout << j.dump(1) << "\n";
    } else {
      std::cout << "model " << model_path << " on " << set.root << (split_path.empty() ? "" : " (validation split)")
                << (tta == fer::Classifier::Tta::Flip ? ", flip TTA" : "") << ", " << unreadable.size() << " unreadable skipped\n"
                << cm.to_text();
    }
  } catch (const std::exception& e) {
    std::cerr << "fer-eval: " << fer::first_line(e.what()) << "\n";
    return 1;
  }
  return 0;
}
