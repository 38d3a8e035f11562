// Test driver over the core's public API, so Python tests can compare numbers with PyTorch:
//   fer_debug info MODEL                      -> JSON with arch, classes, input size, kind
//   fer_debug logits MODEL IN.f32 OUT.f32 [PRECISION]  -> raw float32 N*channels*S*S in, N*C logits out
//   fer_debug preprocess IMAGE SIDE OUT.f32   -> the CHW tensor the classifier would see
//   fer_debug resave MODEL OUT.pth            -> the project's format, written by C++
//   fer_debug create ARCH SIZE OUT.pth [CHANNELS] -> an untrained model (five default classes)
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "fer/classifier.hpp"
#include "fer/preprocess.hpp"

namespace {

// The parity tests compare TorchScript files they wrote themselves: trusted.
fer::LoadOptions trusted() {
  fer::LoadOptions o;
  o.allow_torchscript = true;
  return o;
}

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

void write_floats(const std::string& path, const float* data, size_t n) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(float)));
}

int run(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "info" && argc == 3) {
    auto m = fer::Classifier::load(argv[2], trusted());
    const auto& i = m->info();
    std::cout << nlohmann::json{{"arch", i.arch}, {"classes", i.classes}, {"input_size", i.input_size}, {"channels", i.channels},
                                {"kind", fer::model_kind_name(i.kind)}, {"mean", i.mean}, {"std", i.std},
                                {"training", nlohmann::json::parse(i.training_json)}}.dump()
              << "\n";
  } else if (cmd == "logits" && (argc == 5 || argc == 6)) {
    auto m = fer::Classifier::load(argv[2], trusted());
    m->set_precision(fer::parse_precision(argc == 6 ? argv[5] : "fp32"));
    const int s = m->info().input_size, c = m->info().channels;
    std::vector<float> x = read_floats(argv[3]);
    const int n = static_cast<int>(x.size() / (c * s * s));
    const int dims[4] = {n, c, s, s};
    const cv::Mat blob(4, dims, CV_32F, x.data());
    const cv::Mat z = m->logits(blob);
    write_floats(argv[4], z.ptr<float>(), z.total());
  } else if (cmd == "preprocess" && argc == 5) {
    const cv::Mat img = cv::imread(argv[2], cv::IMREAD_UNCHANGED);
    if (img.empty()) throw std::runtime_error(std::string("cannot read ") + argv[2]);
    const int side = std::stoi(argv[3]);
    std::vector<float> out(3 * side * side);
    fer::crop_to_chw(img, side, fer::kImageNetMean, fer::kImageNetStd, out.data());
    write_floats(argv[4], out.data(), out.size());
  } else if (cmd == "resave" && argc == 4) {
    fer::Classifier::load(argv[2], trusted())->save(argv[3], R"({"note": "written by fer_debug", "epochs": 0})");
  } else if (cmd == "create" && (argc == 5 || argc == 6)) {
    fer::Classifier::create(argv[2], fer::default_classes(), std::stoi(argv[3]), "cpu", argc == 6 ? std::stoi(argv[5]) : 3)
        ->save(argv[4]);
  } else {
    std::cerr << "usage: fer_debug info|logits|preprocess|resave|create ...\n";
    return 64;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fer_debug: " << e.what() << "\n";
    return 2;
  }
}
