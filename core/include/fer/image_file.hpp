// Still images named by users, read so that a bad one is named and costs nothing: a FIFO or device
// is refused, the pixel count is read from the header and capped before decoding (a 478 KB PNG can
// decode to 20000x20000), and a JPEG whose data stops early is reported as damaged.
#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace fer {

// 128 megapixels: a 12000x10000 scan passes, a decompression bomb does not.
inline constexpr uint64_t kMaxImagePixels = 128ull << 20;

struct ImageFile {
  cv::Mat bgr;          // empty when the image was not decoded
  std::string error;    // why it was not decoded (names the file and the fix), or ""
  std::string damage;   // decoded, but the file is damaged (names the file and what is wrong), or ""
  cv::Size header_size;  // width x height the file declares, where its format is known (JPEG, PNG, BMP, WebP)
};

// Reads and decodes `path` as BGR; imread_flags as cv::imread's (IMREAD_COLOR turns photos by their
// EXIF orientation; add IMREAD_IGNORE_ORIENTATION to read pixels as stored, as PIL does).
ImageFile read_image_file(const std::string& path, uint64_t max_pixels = kMaxImagePixels, int imread_flags = 1);

// Whether a file name has one of the image extensions the data tools read (.jpg, .jpeg, .png, .bmp,
// .webp; any case): one rule for fer-train's data sets and fer-quantize's calibration folders.
bool is_image_file_name(const std::string& path);
inline constexpr const char* kImageExtensions = ".jpg, .jpeg, .png, .bmp, .webp";

// Width and height declared by an encoded image's header (JPEG, PNG, BMP, WebP), or 0x0.
cv::Size image_header_size(const std::string& bytes);

}  // namespace fer
