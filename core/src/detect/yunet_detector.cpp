// YuNet (opencv_zoo's face_detection_yunet, the 2023 layout with cls/obj/bbox/kps heads), read by
// cv::dnn and run on oneDNN (yunet_network) or cv::dnn. OpenCV 4.6's cv::FaceDetectorYN expects the
// older layout, hence our own decoding.
#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "detect/detectors.hpp"
#include "detect/yunet_decode.hpp"
#include "detect/yunet_network.hpp"
#include "fer/errors.hpp"
#include "fer/input_file.hpp"
#include "runtime/cpu_features.hpp"
#include "fer/geometry.hpp"

namespace fer::detail {
namespace {

constexpr int kStrides[] = {8, 16, 32};

class YunetDetector : public FaceDetector {
 public:
  explicit YunetDetector(const DetectorOptions& o) : opts_(o) {
    if (opts_.input_size < 0) opts_.input_size = kYunetInputSize;
    if (o.model.empty())
      throw std::runtime_error("the yunet detector needs its ONNX file (detector-model): opencv_zoo's "
                               "face_detection_yunet, see the README");
    check_input_file(o.model, "YuNet model");
    try {
      net_ = cv::dnn::readNet(o.model);
    } catch (const cv::Exception& e) {
      throw ModelError("'" + o.model + "' is not a loadable ONNX file: " + e.err);
    }
    if (net_.empty()) throw ModelError("'" + o.model + "' is not a loadable ONNX file");
    const auto have = net_.getUnconnectedOutLayersNames();
    for (int s : kStrides)
      for (const char* head : {"cls_", "obj_", "bbox_", "kps_"}) {
        const std::string name = head + std::to_string(s);
        if (std::find(have.begin(), have.end(), name) == have.end())
          throw ModelError("'" + o.model + "' has no output '" + name +
                                   "': not a YuNet model of the cls/obj/bbox/kps layout (opencv_zoo 2023)");
        outputs_.push_back(name);
      }
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const YunetRuntime r = o.yunet_runtime;
    if (r == YunetRuntime::Bf16) require_bf16_kernels("YuNet runtime bf16");
    if (r != YunetRuntime::OpenCV) {
      const bool bf16 = r == YunetRuntime::Bf16 || (r == YunetRuntime::Auto && YunetNetwork::native_bf16());
      try {
        onednn_ = std::make_unique<YunetNetwork>(net_, bf16);
      } catch (const std::runtime_error& e) {
        fallback_ = e.what();  // another YuNet variant: cv::dnn runs it
      }
    }
  }

  std::string describe() const override {
    if (onednn_) return onednn_->bf16() ? "yunet (oneDNN, bf16)" : "yunet (oneDNN, fp32)";
    return fallback_.empty() ? "yunet (cv::dnn)" : "yunet (cv::dnn: " + fallback_ + ")";
  }

  std::vector<Face> detect(const cv::Mat& frame) override {
    if (frame.empty()) return {};
    const cv::Mat& bgr = as_bgr(frame);
    const YunetGeometry g = yunet_geometry(frame.size(), opts_.input_size);
    padded_.create(g.padded, CV_8UC3);
    padded_.setTo(cv::Scalar::all(0));
    if (g.scaled == frame.size()) bgr.copyTo(padded_(cv::Rect({0, 0}, g.scaled)));
    else cv::resize(bgr, padded_(cv::Rect({0, 0}, g.scaled)), g.scaled, 0, 0, cv::INTER_LINEAR);

    std::vector<Face> faces;
    const cv::Rect whole(0, 0, frame.cols, frame.rows);
    for (const auto& c : suppress_overlaps(candidates_in(padded_), opts_.nms_threshold)) {
      if (std::max(c.box.width, c.box.height) / g.scale < opts_.min_face_size) continue;
      Face f = to_frame(c, {0, 0}, 1 / g.scale, 1 / g.scale, whole);
      if (f.box.area() > 0) faces.push_back(std::move(f));
    }
    std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.x < b.box.x; });
    return faces;
  }

  // A square twice the face's side around its centre, scaled to kNearInput px (the face about 64
  // px, mid-range for YuNet; outside the frame black, like a full search's padding): one small
  // fixed input, so one oneDNN graph serves every near search, at a fraction of a full search.
  std::optional<Face> find_near(const cv::Mat& frame, const cv::Rect& expected) override {
    if (frame.empty() || expected.area() == 0) return std::nullopt;
    const cv::Mat& bgr = as_bgr(frame);
    const int side = std::max(expected.width, expected.height);
    const cv::Rect whole(0, 0, frame.cols, frame.rows);
    const cv::Rect square(expected.x + expected.width / 2 - side, expected.y + expected.height / 2 - side, 2 * side,
                          2 * side);
    const cv::Rect inside = square & whole;
    const double scale = double(kNearInput) / square.width;
    const cv::Rect to = cv::Rect(cvRound((inside.x - square.x) * scale), cvRound((inside.y - square.y) * scale),
                                 cvRound(inside.width * scale), cvRound(inside.height * scale)) &
                        cv::Rect(0, 0, kNearInput, kNearInput);
    if (to.width < 2 || to.height < 2) return std::nullopt;
    near_.create(kNearInput, kNearInput, CV_8UC3);
    near_.setTo(cv::Scalar::all(0));
    cv::resize(bgr(inside), near_(to), to.size(), 0, 0, cv::INTER_LINEAR);  // as a full search scales
    const double sx = double(inside.width) / to.width, sy = double(inside.height) / to.height;
    const cv::Point2d origin(inside.x - to.x * sx, inside.y - to.y * sy);
    // The strongest cell on the face (what a full search's NMS keeps), at about its size.
    std::optional<Face> best;
    for (const auto& c : candidates_in(near_)) {
      Face f = to_frame(c, origin, sx, sy, whole);
      const double size = std::max(f.box.width, f.box.height);
      if (size < 0.75 * side || size > 1.33 * side || iou(f.box, expected) < 0.3) continue;
      if (!best || f.score > best->score) best = std::move(f);
    }
    return best;
  }

 private:
  static constexpr int kNearInput = 128;

  const cv::Mat& as_bgr(const cv::Mat& frame) {
    if (frame.channels() == 1) cv::cvtColor(frame, bgr_, cv::COLOR_GRAY2BGR);
    else if (frame.channels() == 4) cv::cvtColor(frame, bgr_, cv::COLOR_BGRA2BGR);
    else return frame;
    return bgr_;
  }

  // The network on an input of multiples of 32 px: every cell scoring at least the threshold.
  std::vector<YunetCandidate> candidates_in(const cv::Mat& input) {
    if (onednn_) {
      onednn_->forward(input, heads_);
    } else {
      cv::dnn::blobFromImage(input, blob_);
      net_.setInput(blob_);
      net_.forward(heads_, outputs_);
    }
    std::vector<YunetCandidate> candidates;
    for (size_t i = 0; i < 3; ++i) {
      const int stride = kStrides[i];
      const size_t cells = static_cast<size_t>(input.cols / stride) * (input.rows / stride);
      const cv::Mat* h = &heads_[4 * i];
      if (h[0].total() != cells || h[2].total() != 4 * cells || h[3].total() != 10 * cells)
        throw std::runtime_error("YuNet model '" + opts_.model + "' gave heads of unexpected sizes");
      decode_yunet_level({stride, h[0].ptr<float>(), h[1].ptr<float>(), h[2].ptr<float>(), h[3].ptr<float>()},
                         input.size(), opts_.score_threshold, candidates);
    }
    return candidates;
  }

  // From network pixels to frame pixels: frame = origin + network * (sx, sy).
  static Face to_frame(const YunetCandidate& c, cv::Point2d origin, double sx, double sy, const cv::Rect& whole) {
    Face f;
    f.box = cv::Rect(cvRound(origin.x + c.box.x * sx), cvRound(origin.y + c.box.y * sy), cvRound(c.box.width * sx),
                     cvRound(c.box.height * sy)) &
            whole;
    f.score = c.score;
    for (const auto& p : c.landmarks)
      f.landmarks.emplace_back(static_cast<float>(origin.x + p.x * sx), static_cast<float>(origin.y + p.y * sy));
    return f;
  }

  DetectorOptions opts_;
  cv::dnn::Net net_;
  std::unique_ptr<YunetNetwork> onednn_;  // null: cv::dnn runs the network
  std::string fallback_;                  // why oneDNN does not, where it was asked
  std::vector<std::string> outputs_;  // cls, obj, bbox, kps for stride 8, then 16, then 32
  cv::Mat bgr_, padded_, near_, blob_;
  std::vector<cv::Mat> heads_;
};

}  // namespace

std::unique_ptr<FaceDetector> make_yunet_detector(const DetectorOptions& options) {
  return std::make_unique<YunetDetector>(options);
}

}  // namespace fer::detail
