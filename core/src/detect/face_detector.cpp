#include "fer/face_detector.hpp"

#include "config.h"

#include <algorithm>
#include <optional>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "detect/detectors.hpp"
#include "fer/errors.hpp"
#include "fer/input_file.hpp"
#include "fer/geometry.hpp"

namespace fer {
namespace {

class WholeFrameDetector : public FaceDetector {
 public:
  std::vector<Face> detect(const cv::Mat& frame) override { return {Face{{0, 0, frame.cols, frame.rows}, 1.f, {}}}; }
  std::string describe() const override { return "none (the whole frame)"; }
};

// The original project's detector: OpenCV's frontal face cascade on the grey frame.
constexpr int kCascadeWindow = 24;  // haarcascade_frontalface_default's window
constexpr int kNearWindow = 30;     // the smallest face a near search looks for, in its shrunk region

class HaarDetector : public FaceDetector {
 public:
  explicit HaarDetector(const DetectorOptions& o) : opts_(o) {
    const std::string path = o.model.empty() ? default_haar_cascade() : o.model;
    try {
      check_input_file(path, "Haar cascade");
    } catch (const ModelError& e) {
      if (e.kind() != ErrorKind::NotFound || !o.model.empty()) throw;
      throw ModelError(std::string(e.what()) + " (install opencv-data, or give a cascade file)", e.kind());
    }
    bool loaded = false;
    try {
      loaded = cascade_.load(path);
    } catch (const cv::Exception&) {  // OpenCV throws on some non-XML files instead of failing
    }
    if (!loaded)
      throw ModelError("'" + path + "' is not an OpenCV cascade file (detector=haar reads detector-model "
                       "as a cascade; a YuNet .onnx needs detector=yunet)");
  }

  std::string describe() const override { return "haar"; }

  std::vector<Face> detect(const cv::Mat& frame) override {
    cv::Mat grey;
    if (frame.channels() == 1) grey = frame;
    else cv::cvtColor(frame, grey, frame.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    // The frame is shrunk until the smallest face wanted just fills the cascade's 24 px window, so
    // the scale ladder starts at that size on a smaller image (30 px faces: 0.8), which is faster.
    // Frames larger than input_size are searched at that size.
    const int side = std::max(grey.cols, grey.rows);
    double scale = std::min(1.0, double(kCascadeWindow) / std::max(kCascadeWindow, opts_.min_face_size));
    const int input_size = opts_.input_size < 0 ? kHaarInputSize : opts_.input_size;
    if (input_size > 0) scale = std::min(scale, double(input_size) / side);
    cv::Mat search = grey;
    if (scale < 1.0) cv::resize(grey, search, cv::Size(), scale, scale, cv::INTER_AREA);
    const int min_size = std::max(kCascadeWindow, static_cast<int>(std::lround(opts_.min_face_size * scale)));
    std::vector<cv::Rect> boxes;
    cascade_.detectMultiScale(search, boxes, opts_.scale_factor, opts_.min_neighbors, 0, cv::Size(min_size, min_size));
    if (scale < 1.0)
      for (auto& b : boxes)
        b = cv::Rect(cvRound(b.x / scale), cvRound(b.y / scale), cvRound(b.width / scale), cvRound(b.height / scale));
    std::sort(boxes.begin(), boxes.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
    std::vector<Face> faces;
    for (const auto& b : boxes) faces.push_back({b & cv::Rect(0, 0, frame.cols, frame.rows), 1.f, {}});
    return faces;
  }

  std::optional<Face> find_near(const cv::Mat& frame, const cv::Rect& expected) override {
    if (frame.channels() != 1 || expected.area() == 0) return std::nullopt;  // the element gives grey
    // Half a face of room on each side; sizes within a quarter of the last box. Scales outside
    // that range, which make most of a full search's cost, are skipped.
    const int side = std::max(expected.width, expected.height);
    const cv::Rect region = cv::Rect(expected.x - side / 2, expected.y - side / 2, expected.width + side,
                                     expected.height + side) & cv::Rect(0, 0, frame.cols, frame.rows);
    const int lo = std::max(kCascadeWindow, side * 3 / 4), hi = side * 5 / 4 + 1;
    if (region.width < lo || region.height < lo) return std::nullopt;
    // The region shrunk so the smallest size sought is kNearWindow px: a 300 px region searched
    // as it is took 4-5 ms, shrunk 1.5 (OpenCV's own cost per call is ~1.2 ms).
    const double f = std::min(1.0, double(kNearWindow) / lo);
    cv::Mat search = frame(region);
    if (f < 1.0) cv::resize(frame(region), search, cv::Size(), f, f, cv::INTER_AREA);
    const int lo_f = std::max(kCascadeWindow, static_cast<int>(std::lround(lo * f)));
    const int hi_f = std::max(lo_f, static_cast<int>(std::lround(hi * f)) + 1);
    std::vector<cv::Rect> boxes;
    cascade_.detectMultiScale(search, boxes, opts_.scale_factor, opts_.min_neighbors, 0, cv::Size(lo_f, lo_f),
                              cv::Size(hi_f, hi_f));
    std::optional<Face> best;
    double best_overlap = 0;
    for (const auto& b : boxes) {
      const cv::Rect box = cv::Rect(cvRound(b.x / f), cvRound(b.y / f), cvRound(b.width / f), cvRound(b.height / f)) +
                           region.tl();
      if (const double overlap = iou(box, expected); overlap > best_overlap) best_overlap = overlap, best = Face{box, 1.f, {}};
    }
    return best;
  }

 private:
  DetectorOptions opts_;
  cv::CascadeClassifier cascade_;
};

}  // namespace

std::string default_haar_cascade() {
  const char* dir = std::getenv("FER_HAAR_DIR");
  return std::string(dir && *dir ? dir : FER_HAAR_DIR) + "/haarcascade_frontalface_default.xml";
}

const char* name_of(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::Haar: return "haar";
    case DetectorKind::Yunet: return "yunet";
    case DetectorKind::None: return "none";
  }
  return "?";
}

const char* name_of(YunetRuntime runtime) {
  switch (runtime) {
    case YunetRuntime::Auto: return "auto";
    case YunetRuntime::Fp32: return "fp32";
    case YunetRuntime::Bf16: return "bf16";
    case YunetRuntime::OpenCV: return "opencv";
  }
  return "?";
}

DetectorKind parse_detector_kind(const std::string& name) {
  for (DetectorKind k : {DetectorKind::Haar, DetectorKind::Yunet, DetectorKind::None})
    if (name == name_of(k)) return k;
  throw std::invalid_argument("unknown face detector '" + name + "'; use haar, yunet or none");
}

YunetRuntime parse_yunet_runtime(const std::string& name) {
  for (YunetRuntime r : {YunetRuntime::Auto, YunetRuntime::Fp32, YunetRuntime::Bf16, YunetRuntime::OpenCV})
    if (name == name_of(r)) return r;
  throw std::invalid_argument("unknown YuNet runtime '" + name + "'; use auto, fp32, bf16 or opencv");
}

std::unique_ptr<FaceDetector> make_face_detector(const DetectorOptions& o) {
  switch (o.kind) {
    case DetectorKind::Haar: return std::make_unique<HaarDetector>(o);
    case DetectorKind::Yunet: return detail::make_yunet_detector(o);
    case DetectorKind::None: return std::make_unique<WholeFrameDetector>();
  }
  throw std::invalid_argument("unknown face detector");
}

}  // namespace fer
