// fer-quantize: calibrates a model for int8 inference on real face crops and writes the ranges into
// a copy of the model file (the core's Classifier::calibrate_int8 does the measuring).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <CLI/CLI.hpp>

#include "fer/classifier.hpp"
#include "fer/errors.hpp"
#include "fer/image_file.hpp"

namespace fs = std::filesystem;

namespace {

// Every image under dir (class folders or flat), sorted: the same folder gives the same list.
std::vector<std::string> list_images(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("--data '" + dir + "' is not a folder; give a folder of face crops (jpg, png)");
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) throw std::runtime_error("cannot read --data '" + dir + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot read --data '" + dir + "': " + ec.message());
    if (it->is_regular_file(ec) && fer::is_image_file_name(it->path().string())) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw std::runtime_error("--data '" + dir + "' holds no images (.jpg, .jpeg, .png, .bmp, .webp); give a folder "
                             "of face crops, such as the training data's");
  return files;
}

// n files spread evenly over the sorted list, so every class folder is represented.
std::vector<std::string> spread(const std::vector<std::string>& files, size_t n) {
  if (files.size() <= n) return files;
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(files[i * files.size() / n]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-quantize: calibrate a model for int8 inference (VNNI) on real face crops"};
  std::string model_path, data, out;
  int images = 300, threads = 0;
  double percentile = 100;
  app.add_option("--model,-m", model_path, "model file to calibrate (fer-train's, fer-import's or a state_dict)")
      ->required();
  app.add_option("--data", data, "folder of face crops, searched recursively (class folders are fine): cut as the "
                 "model's input is (the training data's crops)")->required();
  app.add_option("--out,-o", out, "calibrated model file to write (the same weights, plus the int8 ranges)")->required();
  app.add_option("--images", images, "images used, spread evenly over the folder's sorted list")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--percentile", percentile, "each activation's range: this percentile of its per-image maxima "
                 "(100: the largest seen)")->check(CLI::Range(1.0, 100.0))->capture_default_str();
  app.add_option("--threads", threads, "inference threads (0: one per CPU)");
  CLI11_PARSE(app, argc, argv);

  try {
    fer::Classifier::set_threads(threads);
    fer::LoadOptions lo;
    lo.precision = fer::Precision::Fp32;
    const auto model = fer::Classifier::load(model_path, lo);
    std::vector<cv::Mat> crops;
    std::vector<std::string> skipped;
    for (const auto& path : spread(list_images(data), static_cast<size_t>(images))) {
      fer::ImageFile file = fer::read_image_file(path);
      if (file.bgr.empty()) skipped.push_back(file.error);
      else crops.push_back(std::move(file.bgr));
    }
    for (const auto& why : skipped) std::cerr << "fer-quantize: skipped " << why << "\n";
    if (crops.empty()) throw std::runtime_error("no image under --data '" + data + "' could be read");
    std::printf("calibrating %s (%s) on %zu face crops from %s ...\n", model_path.c_str(), model->info().arch.c_str(),
                crops.size(), data.c_str());
    std::fflush(stdout);
    const auto& cal = model->calibrate_int8(crops, data, percentile);
    model->save(out, model->info().training_json);
    std::printf("%zu activation ranges written to %s\n", cal.activation_max.size(), out.c_str());

    // What int8 does to these faces' labels (the core measured it while calibrating, where this CPU
    // runs int8): the user's first check, and what precision auto decides by.
    if (cal.agreement_unmeasured) {
      std::printf("int8 not checked here: this CPU has no VNNI, so precision auto will not run the file in int8 "
                  "(calibrate it on a CPU with VNNI, or force precision int8)\n");
    } else {
      const auto same = static_cast<long>(std::lround(cal.label_agreement * crops.size()));
      std::printf("int8 gives fp32's label on %ld of %zu calibration images (%.4g%%): ", same, crops.size(),
                  100 * cal.label_agreement);
      if (cal.label_agreement >= fer::kAutoInt8MinAgreement)
        std::printf("precision auto runs it in int8\n");
      else
        std::printf("below %g%%, so precision auto keeps it in bf16/fp32 (precision int8 forces int8)\n",
                    100 * fer::kAutoInt8MinAgreement);
    }
    return skipped.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "fer-quantize: " << e.what() << "\n";
    return 2;
  }
}
