// Data-set images cut as the element cuts frames: fer-train's --detector for training and
// validation, and fer-eval for a model trained so (the crop is recorded in the model file).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "fer/face_crop.hpp"
#include "fer/face_detector.hpp"
#include "fer/train/dataset.hpp"

namespace fer::train {

// The largest face found on the image with a plain border around it (crops give a detector no room
// otherwise), cut by `rule` from the bordered image; the whole image when there is none (*misses).
// Empty for DetectorKind::None. Thread-safe (one detector behind a lock).
ImageTransform face_cropper(DetectorKind kind, const std::string& detector_model, const CropRule& rule,
                            const std::shared_ptr<std::atomic<long>>& misses);

}  // namespace fer::train
