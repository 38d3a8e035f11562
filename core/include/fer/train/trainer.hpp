// fer-train's engine: the data, the model, the loop, the files it writes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fer/face_detector.hpp"

#include "fer/train/augment.hpp"
#include "fer/train/dataset.hpp"
#include "fer/train/metrics.hpp"

namespace fer::train {

struct TrainOptions {
  // Data
  std::string data;                  // folder per class, or a FER2013 .csv
  std::string val_dir;               // explicit validation folder (no split)
  std::vector<std::string> classes;  // empty: sub-folders sorted by name
  std::string fer2013_map;           // "0=Anger,..." for a CSV
  double val_split = 0.2;
  int dedup_distance = 2;            // dHash Hamming distance; < 0 disables grouping
  bool cache = true;                 // keep decoded images in memory
  int workers = 2;
  // Face crops like the element (default: the images are crops already)
  DetectorKind detector = DetectorKind::None;
  double margin = 0;
  std::string detector_model;        // cascade (haar) or ONNX file (yunet)
  bool align = false;                // eyes levelled, square crop, as the element's align (needs yunet)
  bool crop_border = false;          // images are tight face crops: see face_cropper
  // Model
  // "" / 0: what --init's file records, else resnet50, 3 (RGB) and 224.
  std::string arch;
  std::string init;                  // pretrained weights file
  int input_size = 0;
  int channels = 0;                  // 1: grey, 3: RGB
  AugmentOptions augment;
  // Optimisation
  int epochs = 50, batch_size = 32;
  std::string optimizer = "adam";   // adam, adamw, sgd (Nesterov)
  double momentum = 0.9;             // SGD's momentum, Adam's beta1 (one-cycle moves it 0.95 -> 0.85 -> 0.95)
  double lr = 1e-4, weight_decay = 0, label_smoothing = 0;
  // Distillation: the loss also follows this model's probabilities on each batch (see distillation.hpp).
  std::string teacher;
  double distill_weight = 0.5;       // the share of the loss that follows the teacher
  double distill_temperature = 4.0;
  // "plateau": ReduceLROnPlateau on the validation loss, per epoch; "onecycle": OneCycleLR per step
  // over every step of --epochs, peaking at lr after `warmup` of them.
  std::string lr_schedule = "plateau";
  double warmup = 0.3;
  bool class_weights = false;
  // BatchNorm kept at its running statistics while training (its scale and shift still learn):
  // "auto" freezes it when fine-tuning an imported model, whose BatchNorm was folded away (its
  // statistics are identity, so batch statistics would rescale every layer on the first step).
  std::string freeze_bn = "auto";    // "auto", "on", "off"
  double lr_factor = 0.1;
  int lr_patience = 5;
  int early_stop = 0;                // epochs without val-accuracy gain before stopping; 0: off
  int max_steps = 0;                 // stop after this many optimizer steps (benchmarks, tests)
  std::string precision = "fp32";    // or bf16 (autocast, fp32 master weights)
  uint64_t seed = 42;
  std::string device = "cpu";
  int threads = 0;
  // Output
  std::string out = "mood_recognition_model1.pth";
  bool resume = false;
  // Distributed data parallel (Gloo)
  int world_size = 1, rank = 0;
  std::string master = "127.0.0.1:29500";
};

struct Progress {
  int epoch, epochs;
  std::string phase;  // "train" or "val"
  long batch, batches;
  double loss, acc, images_per_s, eta_s;
};

struct TrainCallbacks {
  std::function<void(const std::string&)> log;   // one line of information
  std::function<void(const Progress&)> progress;  // after each batch
  std::function<void(const EpochRecord&, bool best)> epoch_done;
};

struct TrainResult {
  double best_val_acc = 0;
  int best_epoch = 0;
  int epochs_run = 0;
  double images_per_s = 0;  // training throughput over the run
  uint64_t weights_hash = 0;  // FNV-1a of the final weights' bytes: equal on every rank of a run
};

// Files written next to opts.out by rank 0: the model (best val accuracy), <stem>.last.pth,
// <stem>.split.json, <stem>.metrics.csv/.json, <stem>.curves.png; by every rank: <stem>.resume.pt.
TrainResult run_training(const TrainOptions& opts, const TrainCallbacks& cb);

// "<dir>/<stem>" of the model path, the prefix of every side file.
std::string output_stem(const std::string& model_path);

}  // namespace fer::train
