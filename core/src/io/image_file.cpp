#include "fer/image_file.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>

#include "fer/errors.hpp"
#include "fer/input_file.hpp"

namespace fer {
namespace {

uint32_t be16(const unsigned char* p) { return (p[0] << 8) | p[1]; }
uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le16(const unsigned char* p) { return p[0] | (p[1] << 8); }
uint32_t le24(const unsigned char* p) { return le16(p) | (p[2] << 16); }
uint32_t le32(const unsigned char* p) { return le24(p) | (static_cast<uint32_t>(p[3]) << 24); }

cv::Size jpeg_size(const unsigned char* p, size_t n) {
  size_t i = 2;
  while (i + 4 <= n) {
    if (p[i] != 0xFF) return {};
    const unsigned char marker = p[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      i += 2;
      continue;
    }
    const size_t length = be16(p + i + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof && i + 9 <= n) return {static_cast<int>(be16(p + i + 7)), static_cast<int>(be16(p + i + 5))};
    if (marker == 0xDA || length < 2) return {};  // image data before any frame header
    i += 2 + length;
  }
  return {};
}

// Entropy-coded data escapes 0xFF, so FF D9 after the last scan header (FF DA) can only be the
// end-of-image marker: without one the file was cut short (libjpeg then fills grey and only warns).
bool jpeg_truncated(const std::string& bytes) {
  const size_t sos = bytes.rfind("\xFF\xDA");
  return sos != std::string::npos && bytes.find("\xFF\xD9", sos) == std::string::npos;
}

bool is_jpeg(const std::string& b) { return b.size() > 3 && b.compare(0, 3, "\xFF\xD8\xFF") == 0; }

}  // namespace

cv::Size image_header_size(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  auto positive = [](int64_t w, int64_t h) {
    return w > 0 && h > 0 && w <= INT32_MAX && h <= INT32_MAX ? cv::Size(static_cast<int>(w), static_cast<int>(h))
                                                               : cv::Size();
  };
  if (is_jpeg(bytes)) return jpeg_size(p, n);
  if (n >= 24 && std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return positive(be32(p + 16), be32(p + 20));
  if (n >= 26 && p[0] == 'B' && p[1] == 'M')
    return positive(static_cast<int32_t>(le32(p + 18)), std::abs(static_cast<int64_t>(static_cast<int32_t>(le32(p + 22)))));
  if (n >= 30 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) {
    if (std::memcmp(p + 12, "VP8 ", 4) == 0) return positive(le16(p + 26) & 0x3FFF, le16(p + 28) & 0x3FFF);
    if (std::memcmp(p + 12, "VP8L", 4) == 0) {
      const uint32_t bits = le32(p + 21);
      return positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (std::memcmp(p + 12, "VP8X", 4) == 0) return positive(le24(p + 24) + 1, le24(p + 27) + 1);
  }
  return {};
}

ImageFile read_image_file(const std::string& path, uint64_t max_pixels, int imread_flags) {
  ImageFile out;
  std::string bytes;
  try {
    bytes = read_input_file(path, "image", 1ull << 30);
  } catch (const ModelError& e) {
    out.error = e.what();
    return out;
  }
  out.header_size = image_header_size(bytes);
  const uint64_t pixels = static_cast<uint64_t>(out.header_size.width) * static_cast<uint64_t>(out.header_size.height);
  if (pixels > max_pixels) {
    out.error = "image '" + path + "' is " + std::to_string(out.header_size.width) + "x" +
                std::to_string(out.header_size.height) + " pixels (" + std::to_string(pixels >> 20) +
                " megapixels), more than the limit of " + std::to_string(max_pixels >> 20) +
                " megapixels; not decoded (raise the limit with --max-megapixels if it is a real photo)";
    return out;
  }
  try {
    out.bgr = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, bytes.data()),
                           imread_flags);
  } catch (const cv::Exception&) {
    out.bgr.release();
  }
  if (out.bgr.empty()) {
    out.error = "cannot decode image '" + path + "' (not an image, or damaged beyond reading)";
    return out;
  }
  if (is_jpeg(bytes) && jpeg_truncated(bytes))
    out.damage = "image '" + path + "' is damaged: its JPEG data stops before the end marker (a truncated file); "
                 "the part that decoded was used, the rest is grey";
  return out;
}

bool is_image_file_name(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp";
}

}  // namespace fer
