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

// The largest face found, cut by `rule` as the element cuts a frame; the whole image when there is
// none (counted in *misses). border: the images are tight face crops, which give a detector no room
// around the face: it looks at them inside a plain border, and the box keeps what reaches past the
// image (see the .cpp). Empty for DetectorKind::None. Thread-safe (one detector behind a lock).
ImageTransform face_cropper(DetectorKind kind, const std::string& detector_model, const CropRule& rule, bool border,
                            const std::shared_ptr<std::atomic<long>>& misses);

}  // namespace fer::train
