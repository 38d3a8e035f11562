// fer-bench: per-face classification latency of a model at batch sizes 1 and 8.
// Prints figures; asserts nothing (speed is shown, not tested).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "fer/classifier.hpp"
#include "fer/errors.hpp"

namespace {

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-bench: classification latency per face"};
  std::string model_path, arch = "resnet50";
  int input_size = 224, threads = 0, reps = 10;
  std::vector<int> batches{1, 8};
  app.add_option("--model,-m", model_path, "model file (default: an untrained --arch)");
  app.add_option("--arch", arch, "architecture when no model is given")->capture_default_str();
  app.add_option("--input-size", input_size, "input side when no model is given")->capture_default_str();
  app.add_option("--threads", threads, "intra-op threads (0: one per CPU)");
  app.add_option("--reps", reps, "timed repetitions per batch size")->capture_default_str();
  app.add_option("--batch", batches, "batch sizes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    fer::Classifier::set_threads(threads);
    auto model = model_path.empty() ? fer::Classifier::create(arch, fer::default_classes(), input_size)
                                    : fer::Classifier::load(model_path);
    const auto& info = model->info();
    std::printf("model %s, %d px, %zu classes\n", info.arch.c_str(), info.input_size, info.classes.size());
    cv::Mat face(info.input_size, info.input_size, CV_8UC3);
    cv::randu(face, 0, 256);
    if (info.int8.empty()) {
      // Timing only: ranges measured on random pixels (fer-quantize measures them on faces).
      std::vector<cv::Mat> noise(8, face);
      for (auto& n : noise) cv::randu(n = cv::Mat(face.size(), face.type()), 0, 256);
      model->calibrate_int8(noise, "random pixels (fer-bench: timing only)");
      std::printf("int8 ranges measured on random pixels: timing only (fer-quantize calibrates on faces)\n");
    }
    for (int b : batches) {
      const cv::Mat blob = model->preprocess(std::vector<cv::Mat>(b, face));
      double baseline = 0;
      for (const fer::Precision p :
           {fer::Precision::Eager, fer::Precision::Fp32, fer::Precision::Bf16, fer::Precision::Int8}) {
        const char* precision = fer::name_of(p);
        try {
          model->set_precision(p);
        } catch (const fer::ModelError& e) {
          if (e.kind() != fer::ErrorKind::NoDevice) throw;
          std::printf("batch %d %-22s not on this CPU: %s\n", b, precision, fer::first_line(e.what()).c_str());
          continue;  // bf16 without AVX-512, int8 without VNNI: the other figures still stand
        }
        model->logits(blob);  // warm-up: oneDNN picks its kernels on the first call
        std::vector<double> ms;
        for (int r = 0; r < reps; ++r) {
          const auto t0 = std::chrono::steady_clock::now();
          model->logits(blob);
          ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        const double per_face = median_ms(ms) / b;
        if (baseline == 0) baseline = per_face;
        std::printf("batch %d %-22s %6.1f ms per face  x%.2f vs eager (median of %d)\n", b,
                    (std::string(precision) + (precision == std::string("eager") ? " (module as is)" : " (BN folded, packed)")).c_str(),
                    per_face, baseline / per_face, reps);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
