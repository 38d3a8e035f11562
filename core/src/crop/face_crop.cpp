#include "fer/face_crop.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "fer/face_align.hpp"

namespace fer {
namespace {

// FER_DUMP_CROPS, read once: like GST_DEBUG_DUMP_DOT_DIR, a folder to look into, not a setting.
void dump(const cv::Mat& crop) {
  static const char* dir = std::getenv("FER_DUMP_CROPS");
  if (!dir || !*dir || crop.empty()) return;
  static std::atomic<long> count{0};
  const std::string path = std::string(dir) + "/crop-" + std::to_string(getpid()) + "-" + std::to_string(count++) + ".png";
  cv::imwrite(path, crop);
}

}  // namespace

bool turns(const Face& face, const CropRule& rule) { return rule.align && !face.landmarks.empty(); }

cv::Rect face_crop_rect(const cv::Rect& box, const cv::Size& frame, double margin) {
  const int dx = static_cast<int>(std::lround(box.width * margin));
  const int dy = static_cast<int>(std::lround(box.height * margin));
  const cv::Rect grown(box.x - dx, box.y - dy, box.width + 2 * dx, box.height + 2 * dy);
  return grown & cv::Rect(0, 0, frame.width, frame.height);
}

cv::Rect crop_source_rect(const Face& face, const cv::Size& frame, const CropRule& rule) {
  return turns(face, rule) ? aligned_source_rect(face, frame, rule.margin) : face_crop_rect(face.box, frame, rule.margin);
}

cv::Mat cut_face(const cv::Mat& source, const cv::Rect& source_rect, const Face& face, const CropRule& rule) {
  const cv::Mat crop = turns(face, rule) ? aligned_crop(source, source_rect.tl(), face, rule.margin) : source;
  dump(crop);
  return crop;
}

cv::Mat cut_face(const cv::Mat& frame, const Face& face, const CropRule& rule) {
  const cv::Rect r = crop_source_rect(face, frame.size(), rule);
  if (r.area() == 0) return {};
  return cut_face(frame(r), r, face, rule);
}

}  // namespace fer
