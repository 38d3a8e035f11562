#include "fer/train/face_cropper.hpp"

#include <algorithm>
#include <mutex>

#include <opencv2/core.hpp>

namespace fer::train {

ImageTransform face_cropper(DetectorKind kind, const std::string& detector_model, const CropRule& rule,
                            const std::shared_ptr<std::atomic<long>>& misses) {
  if (kind == DetectorKind::None) return {};
  DetectorOptions det;
  det.kind = kind;
  det.model = detector_model;
  det.input_size = 0;  // data set images at their own size: YuNet misses faces that fill an upscaled crop
  auto detector = std::shared_ptr<FaceDetector>(make_face_detector(det));
  auto mutex = std::make_shared<std::mutex>();
  return [detector, mutex, rule, misses](const cv::Mat& img) {
    // Data-set images are often face crops already: the detector would see a face filling the
    // picture, with none of the room a camera frame gives it, and find other boxes (or none). A
    // plain border, a quarter of the image each side, gives that room back, as a scene would. The
    // face is cut from the bordered image with the box as found: where the box reaches past the
    // image (YuNet's boxes reach above and below a tight crop) the border stands in for what the
    // element's crop holds there, so the face sits in the crop where the element's crop puts it.
    const int pad = std::max(img.cols, img.rows) / 4;
    cv::Mat padded;
    cv::copyMakeBorder(img, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar::all(114));
    std::vector<Face> faces;
    {
      std::lock_guard<std::mutex> lock(*mutex);  // one cascade, not thread-safe
      faces = detector->detect(padded);
    }
    if (faces.empty()) {
      ++*misses;
      return img;
    }
    const auto largest = std::max_element(faces.begin(), faces.end(),
                                          [](const Face& a, const Face& b) { return a.box.area() < b.box.area(); });
    return cut_face(padded, *largest, rule).clone();  // a view of padded unless turned: keep only the face
  };
}

}  // namespace fer::train
