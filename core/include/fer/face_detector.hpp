// Finding faces in a frame (fer/face_crop.hpp cuts them out).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace fer {

struct Face {
  cv::Rect box;       // in frame pixels, clamped to the frame
  float score = 1.f;  // detector confidence where it has one
  // Empty, or five points in frame pixels (YuNet): right eye, left eye, nose tip, right and left
  // mouth corners, "right" being the person's (the eye on the image's left comes first).
  std::vector<cv::Point2f> landmarks;
};

// Which detector finds faces. None: the whole frame is one face.
enum class DetectorKind { Haar, Yunet, None };

// What runs YuNet: oneDNN in bf16 or fp32, Auto (oneDNN, bf16 where the CPU has it natively, else
// fp32), or OpenCV's cv::dnn (fp32: the reference; any YuNet variant's graph).
enum class YunetRuntime { Auto, Fp32, Bf16, OpenCV };

// Names as users write them ("haar", "yunet", "none"; "auto", "fp32", "bf16", "opencv"). The
// parsers throw std::invalid_argument naming the choices.
const char* name_of(DetectorKind kind);
const char* name_of(YunetRuntime runtime);
DetectorKind parse_detector_kind(const std::string& name);
YunetRuntime parse_yunet_runtime(const std::string& name);

struct DetectorOptions {
  DetectorKind kind = DetectorKind::Haar;
  std::string model;          // haar: cascade file (empty = opencv-data's frontal face); yunet: the ONNX file
  int min_face_size = 30;     // pixels
  // haar only
  double scale_factor = 1.1;
  int min_neighbors = 5;
  // yunet only
  float score_threshold = 0.5f;  // keep faces scoring at least this (0..1)
  float nms_threshold = 0.3f;    // of two boxes overlapping more than this (IoU), the weaker goes
  // Frames are scaled so their longest side is this (yunet: down or up; haar: down only); 0 = never,
  // -1 = the detector's own: yunet 960 (95% of 40 px faces, 7 ms on 2 cores), haar 640.
  int input_size = -1;
  YunetRuntime yunet_runtime = YunetRuntime::Auto;
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // frame: BGR or GRAY8. Faces sorted left to right.
  virtual std::vector<Face> detect(const cv::Mat& frame) = 0;
  // What runs, for logs: "haar", "yunet (oneDNN, bf16)", ...
  virtual std::string describe() const { return "custom"; }
  // The face last seen at `expected`, found again close by and at a similar size: a search of a
  // small part of the frame, so tracked faces get a real box on frames between full detections.
  // Empty where it is not there, or where the detector has no such search (the tracker then
  // moves the face at its velocity).
  virtual std::optional<Face> find_near(const cv::Mat& frame, const cv::Rect& expected) {
    (void)frame;
    (void)expected;
    return std::nullopt;
  }
};

constexpr int kYunetInputSize = 960, kHaarInputSize = 640;

// Throws std::runtime_error naming the kind or the model file when it cannot be made.
std::unique_ptr<FaceDetector> make_face_detector(const DetectorOptions& options);

// The default Haar cascade path (from the build's haar_dir, FER_HAAR_DIR overrides at run time).
std::string default_haar_cascade();

}  // namespace fer
