#include "fer/train/face_cropper.hpp"

#include <algorithm>
#include <mutex>

#include <opencv2/core.hpp>

namespace fer::train {

ImageTransform face_cropper(DetectorKind kind, const std::string& detector_model, const CropRule& rule, bool border,
                            const std::shared_ptr<std::atomic<long>>& misses) {
  if (kind == DetectorKind::None) return {};
  DetectorOptions det;
  det.kind = kind;
  det.model = detector_model;
  det.input_size = 0;  // data set images at their own size: YuNet misses faces that fill an upscaled crop
  auto detector = std::shared_ptr<FaceDetector>(make_face_detector(det));
  auto mutex = std::make_shared<std::mutex>();
  return [detector, mutex, rule, border, misses](const cv::Mat& img) {
    // Tight face crops give the detector none of the room a camera frame gives it, and it finds
    // other boxes (or none). A plain border, a quarter of the image each side, gives that room back,
    // as a scene would. Whole frames are searched as they are, as the element searches them.
    const int pad = border ? std::max(img.cols, img.rows) / 4 : 0;
    cv::Mat padded = img;  // whole frames: no copy
    if (border) cv::copyMakeBorder(img, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar::all(114));
    std::vector<Face> faces;
    {
      std::lock_guard<std::mutex> lock(*mutex);  // one cascade, not thread-safe
      faces = detector->detect(padded);
    }
    if (faces.empty()) {
      ++*misses;
      return img;
    }
    const Face& largest = *std::max_element(faces.begin(), faces.end(),
                                            [](const Face& a, const Face& b) { return a.box.area() < b.box.area(); });
    if (border && !turns(largest, rule)) {
      // The element clamps the margin to the frame, but a box that itself reaches past a tight
      // crop (YuNet's reach above and below) is where the element's crop puts the face: the border
      // stands in for the scene there. Cut short to the image, the face would sit elsewhere in the
      // crop than in the element's (8 points of label accuracy on moving faces).
      const cv::Rect image_area(pad, pad, img.cols, img.rows);
      const cv::Rect r = crop_source_rect(largest, padded.size(), rule) & (image_area | largest.box);
      return cut_face(padded(r), r, largest, rule).clone();
    }
    // Frames, and turned faces, are cut from the image itself, as the element cuts its frame.
    Face face = largest;
    face.box -= cv::Point(pad, pad);
    for (auto& p : face.landmarks) p -= cv::Point2f(static_cast<float>(pad), static_cast<float>(pad));
    return cut_face(img, face, rule).clone();
  };
}

}  // namespace fer::train
