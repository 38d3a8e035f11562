// A port of the arithmetic of Pillow's Resample.c (bilinear filter, 8 bits per channel):
// torchvision trains on PIL-resized images, so matching its rounding keeps the element's
// inputs identical to the training inputs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "fer/preprocess.hpp"

namespace fer {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Per output index: first input index, tap count, and fixed-point weights.
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // out_size * ksize
};

Taps compute_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as in C
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = bilinear((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double f = w * (1 << kPrecisionBits);
      t.weights[static_cast<size_t>(xx) * t.ksize + x] =
          static_cast<int32_t>(w < 0 ? std::trunc(-0.5 + f) : std::trunc(0.5 + f));
    }
    t.first[xx] = xmin;
    t.count[xx] = xmax;
  }
  return t;
}

uint8_t clip8(int64_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

cv::Mat resample_horizontal(const cv::Mat& src, int out_w) {
  const Taps t = compute_taps(src.cols, out_w);
  const int cn = src.channels();
  cv::Mat dst(src.rows, out_w, src.type());
  for (int y = 0; y < src.rows; ++y) {
    const uint8_t* in = src.ptr<uint8_t>(y);
    uint8_t* out = dst.ptr<uint8_t>(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &t.weights[static_cast<size_t>(xx) * t.ksize];
      for (int c = 0; c < cn; ++c) {
        int64_t acc = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < t.count[xx]; ++x) acc += int64_t(in[(x + t.first[xx]) * cn + c]) * k[x];
        out[xx * cn + c] = clip8(acc);
      }
    }
  }
  return dst;
}

cv::Mat resample_vertical(const cv::Mat& src, int out_h) {
  const Taps t = compute_taps(src.rows, out_h);
  const int row_len = src.cols * src.channels();
  cv::Mat dst(out_h, src.cols, src.type());
  std::vector<int64_t> acc(row_len);
  for (int yy = 0; yy < out_h; ++yy) {
    std::fill(acc.begin(), acc.end(), int64_t(1) << (kPrecisionBits - 1));
    const int32_t* k = &t.weights[static_cast<size_t>(yy) * t.ksize];
    for (int y = 0; y < t.count[yy]; ++y) {
      const uint8_t* in = src.ptr<uint8_t>(y + t.first[yy]);
      for (int i = 0; i < row_len; ++i) acc[i] += int64_t(in[i]) * k[y];
    }
    uint8_t* out = dst.ptr<uint8_t>(yy);
    for (int i = 0; i < row_len; ++i) out[i] = clip8(acc[i]);
  }
  return dst;
}

}  // namespace

cv::Mat pil_resize_bilinear(const cv::Mat& src, cv::Size size) {
  CV_Assert(src.depth() == CV_8U && !src.empty() && size.width > 0 && size.height > 0);
  // Pillow resamples horizontally first, and skips a pass whose size does not change.
  cv::Mat out = src;
  if (size.width != src.cols) out = resample_horizontal(out, size.width);
  if (size.height != src.rows) out = resample_vertical(out, size.height);
  return out.data == src.data ? src.clone() : out;
}

}  // namespace fer
