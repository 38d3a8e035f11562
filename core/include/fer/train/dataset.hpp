// Labelled face images for training and evaluation: a folder per class or FER2013's CSV.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace fer::train {

// A data set that cannot be used as given (missing folder, empty class, bad CSV row, ...).
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Sample {
  std::string path;  // relative to the data root ("Anger/x.jpg"), or "csv:<row>" for FER2013
  int label = 0;
  cv::Mat image;     // decoded BGR/grey image, empty until decoded (always set for CSV rows)
  uint64_t dhash = 0;
};

struct Dataset {
  std::string root;                  // folder or CSV file
  std::vector<std::string> classes;  // label i is classes[i]
  std::vector<Sample> samples;
  std::vector<std::string> unreadable;  // files that could not be decoded (left out of samples)
  std::vector<int> fixed_val;           // FER2013: 1 for PublicTest rows, the CSV's own split

  std::vector<int> class_counts() const;
};

// DIR/<Class>/*.{jpg,jpeg,png,bmp,webp}. `classes` empty: every sub-folder, sorted by name (as
// torchvision's ImageFolder); else exactly those, in that order. A missing or empty class folder
// is a DataError naming it. Files are listed, not decoded (see decode_images).
// `fix` is the advice for a missing or empty class folder (the tool's own option for leaving one out).
Dataset scan_image_folder(const std::string& dir, const std::vector<std::string>& classes = {},
                          const std::string& fix = "drop the class from --classes");

// FER2013's "emotion,pixels,Usage" CSV (48x48 grey pixels). `mapping` sends its emotion indices
// (0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral) to class names; rows whose
// index is unmapped are dropped. Training rows are for training, PublicTest rows are the
// validation set (fixed_val), PrivateTest rows are dropped. With test_rows, only the PrivateTest
// rows are read (the final test set, for fer-eval).
Dataset read_fer2013_csv(const std::string& path, const std::map<int, std::string>& mapping, bool test_rows = false);
// "0=Anger,2=Fear,..." -> mapping; empty -> the five default classes.
std::map<int, std::string> parse_fer2013_mapping(const std::string& spec);

// Decodes every image not yet decoded (on `workers` threads), computes its dHash, moves files
// that cannot be decoded from samples to unreadable. With keep_pixels false the decoded pixels
// are dropped again (only the hash stays) and the loader decodes on the fly. `crop`, when set,
// replaces each decoded image (face detection); it must be thread-safe.
using ImageTransform = std::function<cv::Mat(const cv::Mat&)>;
void decode_images(Dataset& data, int workers, bool keep_pixels, const ImageTransform& crop = {});

// Reads one image as 8-bit BGR; empty Mat when it cannot be decoded.
cv::Mat read_image(const std::string& path);

}  // namespace fer::train
