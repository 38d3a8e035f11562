// The detectors behind make_face_detector, one file each.
#pragma once

#include <memory>

#include "fer/face_detector.hpp"

namespace fer::detail {

std::unique_ptr<FaceDetector> make_yunet_detector(const DetectorOptions& options);

}  // namespace fer::detail
