#include "fer/face_detector.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "detect/detectors.hpp"

namespace fer {
namespace {

class WholeFrameDetector : public FaceDetector {
 public:
  std::vector<Face> detect(const cv::Mat& frame) override { return {Face{{0, 0, frame.cols, frame.rows}, 1.f, {}}}; }
};

// The original project's detector: OpenCV's frontal face cascade on the grey frame.
class HaarDetector : public FaceDetector {
 public:
  explicit HaarDetector(const DetectorOptions& o) : opts_(o) {
    const std::string path = o.model.empty() ? default_haar_cascade() : o.model;
    if (!std::ifstream(path))
      throw std::runtime_error("Haar cascade '" + path + "' not found; install opencv-data or give a cascade file");
    if (!cascade_.load(path))
      throw std::runtime_error("'" + path + "' is not an OpenCV cascade file");
  }

  std::vector<Face> detect(const cv::Mat& frame) override {
    cv::Mat grey;
    if (frame.channels() == 1) grey = frame;
    else cv::cvtColor(frame, grey, frame.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    std::vector<cv::Rect> boxes;
    cascade_.detectMultiScale(grey, boxes, opts_.scale_factor, opts_.min_neighbors, 0,
                              cv::Size(opts_.min_face_size, opts_.min_face_size));
    std::sort(boxes.begin(), boxes.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
    std::vector<Face> faces;
    for (const auto& b : boxes) faces.push_back({b & cv::Rect(0, 0, frame.cols, frame.rows), 1.f, {}});
    return faces;
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

std::unique_ptr<FaceDetector> make_face_detector(const DetectorOptions& o) {
  if (o.kind == "haar") return std::make_unique<HaarDetector>(o);
  if (o.kind == "yunet") return detail::make_yunet_detector(o);
  if (o.kind == "none") return std::make_unique<WholeFrameDetector>();
  throw std::runtime_error("unknown face detector '" + o.kind + "'; use haar, yunet or none");
}

cv::Rect face_crop_rect(const cv::Rect& box, const cv::Size& frame, double margin) {
  const int dx = static_cast<int>(std::lround(box.width * margin));
  const int dy = static_cast<int>(std::lround(box.height * margin));
  const cv::Rect grown(box.x - dx, box.y - dy, box.width + 2 * dx, box.height + 2 * dy);
  return grown & cv::Rect(0, 0, frame.width, frame.height);
}

}  // namespace fer
