#include "frame_access.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace feremotion {
namespace {

uint8_t clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

FrameFormat::FrameFormat(const GstVideoInfo& info) {
  layout = GST_VIDEO_INFO_IS_GRAY(&info) ? Layout::Grey : GST_VIDEO_INFO_IS_YUV(&info) ? Layout::Yuv : Layout::Rgb;
  ncomp = layout == Layout::Grey ? 1 : 3;
  if (layout == Layout::Yuv) {
    gdouble r, b;
    if (gst_video_color_matrix_get_Kr_Kb(info.colorimetry.matrix, &r, &b)) {
      kr = r;
      kb = b;
    }
    if (info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
      y_off = 0;
      y_scale = 1.0 / 255;
      c_scale = 1.0 / 255;
    }
  }
}

Ink FrameFormat::ink(uint8_t r, uint8_t g, uint8_t b) const {
  if (layout == Layout::Rgb) return {r, g, b};
  const double R = r / 255.0, G = g / 255.0, B = b / 255.0;
  const double Y = kr * R + (1 - kr - kb) * G + kb * B;
  if (layout == Layout::Grey) return {clamp8(Y * 255), 0, 0};
  return {clamp8(Y / y_scale + y_off), clamp8((B - Y) / (2 * (1 - kb)) / c_scale + 128),
          clamp8((R - Y) / (2 * (1 - kr)) / c_scale + 128)};
}

FrameAccess::FrameAccess(GstVideoFrame* frame, const FrameFormat& format)
    : frame_(frame), fmt_(format), width_(GST_VIDEO_FRAME_WIDTH(frame)), height_(GST_VIDEO_FRAME_HEIGHT(frame)) {
  const GstVideoFormatInfo* f = frame->info.finfo;
  for (int c = 0; c < fmt_.ncomp; ++c)
    comp_[c] = Comp{static_cast<uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(frame, c)), GST_VIDEO_FRAME_COMP_STRIDE(frame, c),
                    GST_VIDEO_FRAME_COMP_PSTRIDE(frame, c), static_cast<int>(GST_VIDEO_FORMAT_INFO_W_SUB(f, c)),
                    static_cast<int>(GST_VIDEO_FORMAT_INFO_H_SUB(f, c))};
}

const cv::Mat& FrameAccess::grey(cv::Mat& scratch) {
  const Comp& y = comp_[0];
  if (fmt_.layout != FrameFormat::Layout::Rgb) {
    if (y.pstride == 1) {
      scratch = cv::Mat(height_, width_, CV_8UC1, y.data, y.stride);  // the luma plane itself
      return scratch;
    }
    scratch.create(height_, width_, CV_8UC1);
    for (int r = 0; r < height_; ++r) {
      const uint8_t* in = y.data + static_cast<size_t>(r) * y.stride;
      uint8_t* out = scratch.ptr<uint8_t>(r);
      for (int x = 0; x < width_; ++x) out[x] = in[x * y.pstride];
    }
    return scratch;
  }
  // Packed RGB variants: BT.601 luma in fixed point, as cv::cvtColor computes it.
  scratch.create(height_, width_, CV_8UC1);
  const Comp &R = comp_[0], &G = comp_[1], &B = comp_[2];
  for (int r = 0; r < height_; ++r) {
    const uint8_t* pr = R.data + static_cast<size_t>(r) * R.stride;
    const uint8_t* pg = G.data + static_cast<size_t>(r) * G.stride;
    const uint8_t* pb = B.data + static_cast<size_t>(r) * B.stride;
    uint8_t* out = scratch.ptr<uint8_t>(r);
    const int ps = R.pstride;
    for (int x = 0; x < width_; ++x)
      out[x] = static_cast<uint8_t>((pr[x * ps] * 4899 + pg[x * ps] * 9617 + pb[x * ps] * 1868 + 8192) >> 14);
  }
  return scratch;
}

cv::Mat FrameAccess::crop_bgr(const cv::Rect& rect) const {
  const cv::Rect r = rect & cv::Rect(0, 0, width_, height_);
  cv::Mat out(r.size(), CV_8UC3);
  // One loop per layout, chosen before it: no per-pixel branch on the format.
  const auto each = [&](auto pixel) {
    for (int y = 0; y < r.height; ++y) {
      cv::Vec3b* dst = out.ptr<cv::Vec3b>(y);
      for (int x = 0; x < r.width; ++x) dst[x] = pixel(r.x + x, r.y + y);
    }
  };
  const Comp &c0 = comp_[0], &c1 = comp_[1], &c2 = comp_[2];
  const FrameFormat& f = fmt_;
  switch (f.layout) {
    case FrameFormat::Layout::Grey:
      each([&](int x, int y) {
        const uint8_t g = c0.at(x, y);
        return cv::Vec3b{g, g, g};
      });
      break;
    case FrameFormat::Layout::Rgb: each([&](int x, int y) { return cv::Vec3b{c2.at(x, y), c1.at(x, y), c0.at(x, y)}; }); break;
    case FrameFormat::Layout::Yuv:
      each([&](int x, int y) {
        const double yy = (c0.at(x, y) - f.y_off) * f.y_scale;
        const double pb = (c1.at(x, y) - 128.0) * f.c_scale;
        const double pr = (c2.at(x, y) - 128.0) * f.c_scale;
        const double R = yy + 2 * (1 - f.kr) * pr;
        const double B = yy + 2 * (1 - f.kb) * pb;
        const double G = (yy - f.kr * R - f.kb * B) / (1 - f.kr - f.kb);
        return cv::Vec3b{clamp8(B * 255), clamp8(G * 255), clamp8(R * 255)};
      });
      break;
  }
  return out;
}

const cv::Mat& FrameAccess::bgr(cv::Mat& scratch) const {
  const auto plane = [this](int p, int rows, int cols, int type) {
    return cv::Mat(rows, cols, type, GST_VIDEO_FRAME_PLANE_DATA(frame_, p), GST_VIDEO_FRAME_PLANE_STRIDE(frame_, p));
  };
  const int w = width_, h = height_;
  const bool even = w % 2 == 0 && h % 2 == 0;
  switch (GST_VIDEO_FRAME_FORMAT(frame_)) {
    case GST_VIDEO_FORMAT_NV12:
      if (!even) break;
      cv::cvtColorTwoPlane(plane(0, h, w, CV_8UC1), plane(1, h / 2, w / 2, CV_8UC2), scratch, cv::COLOR_YUV2BGR_NV12);
      return scratch;
    case GST_VIDEO_FORMAT_I420: {
      if (!even) break;
      // OpenCV wants the three planes in one block: Y, then U and V each as h/4 rows of w.
      cv::Mat packed(h * 3 / 2, w, CV_8UC1);
      plane(0, h, w, CV_8UC1).copyTo(packed.rowRange(0, h));
      plane(1, h / 2, w / 2, CV_8UC1).copyTo(cv::Mat(h / 2, w / 2, CV_8UC1, packed.ptr(h)));
      plane(2, h / 2, w / 2, CV_8UC1).copyTo(cv::Mat(h / 2, w / 2, CV_8UC1, packed.ptr(h) + w * h / 4));
      cv::cvtColor(packed, scratch, cv::COLOR_YUV2BGR_I420);
      return scratch;
    }
    case GST_VIDEO_FORMAT_YUY2:
      if (w % 2) break;
      cv::cvtColor(plane(0, h, w, CV_8UC2), scratch, cv::COLOR_YUV2BGR_YUY2);
      return scratch;
    case GST_VIDEO_FORMAT_UYVY:
      if (w % 2) break;
      cv::cvtColor(plane(0, h, w, CV_8UC2), scratch, cv::COLOR_YUV2BGR_UYVY);
      return scratch;
    case GST_VIDEO_FORMAT_BGR: plane(0, h, w, CV_8UC3).copyTo(scratch); return scratch;
    case GST_VIDEO_FORMAT_RGB: cv::cvtColor(plane(0, h, w, CV_8UC3), scratch, cv::COLOR_RGB2BGR); return scratch;
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_BGRA: cv::cvtColor(plane(0, h, w, CV_8UC4), scratch, cv::COLOR_BGRA2BGR); return scratch;
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_RGBA: cv::cvtColor(plane(0, h, w, CV_8UC4), scratch, cv::COLOR_RGBA2BGR); return scratch;
    case GST_VIDEO_FORMAT_GRAY8: cv::cvtColor(plane(0, h, w, CV_8UC1), scratch, cv::COLOR_GRAY2BGR); return scratch;
    default: break;
  }
  scratch = crop_bgr({0, 0, w, h});
  return scratch;
}

void FrameAccess::paint(const cv::Mat& mask, const cv::Rect& area, const std::vector<Ink>& inks) {
  const cv::Rect a = area & cv::Rect(0, 0, width_, height_);
  for (int y = a.y; y < a.y + a.height; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    for (int x = a.x; x < a.x + a.width; ++x) {
      if (!m[x]) continue;
      // Subsampled chroma is shared by neighbours: the last painted pixel of a block wins.
      const Ink& ink = inks[m[x]];
      for (int c = 0; c < fmt_.ncomp; ++c) comp_[c].at(x, y) = ink[c];
    }
  }
}

}  // namespace feremotion
