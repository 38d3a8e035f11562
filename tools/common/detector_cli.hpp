// The face detector's command-line options, the same in every tool.
#pragma once

#include <CLI/CLI.hpp>

#include "enum_names.hpp"
#include "fer/face_detector.hpp"

namespace fer::cli {

inline void add_detector_options(CLI::App& app, DetectorOptions& det) {
  app.add_option("--detector", det.kind, "face detector: haar (default), yunet (needs --detector-model) or none "
                 "(the whole image is the face)")
      ->transform(detector_kinds());
  app.add_option("--detector-model", det.model, "haar: cascade file (default: opencv-data's frontal face); "
                 "yunet: the face_detection_yunet ONNX file");
  app.add_option("--min-face-size", det.min_face_size, "smallest face in pixels")->capture_default_str();
  app.add_option("--score-threshold", det.score_threshold, "yunet: lowest face score kept")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--nms-threshold", det.nms_threshold, "yunet: overlap (IoU) above which the weaker box goes")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--input-size", det.input_size, "images are scaled so their longest side is this (yunet: "
                 "down or up, haar: down only; 0: never; -1: yunet 960, haar 640; smaller is faster and misses "
                 "small faces, larger finds smaller ones)")
      ->check(CLI::Range(-1, 8192))
      ->capture_default_str();
  app.add_option("--yunet-runtime", det.yunet_runtime, "yunet: what runs the network: bf16 or fp32 (oneDNN), "
                 "auto (default: oneDNN, bf16 where the CPU has it natively, else fp32) or opencv (cv::dnn, fp32)")
      ->transform(names_of({YunetRuntime::Auto, YunetRuntime::Fp32, YunetRuntime::Bf16, YunetRuntime::OpenCV}));
}

}  // namespace fer::cli
