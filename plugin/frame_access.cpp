#include "frame_access.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace feremotion {
namespace {

uint8_t clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

FrameAccess::FrameAccess(GstVideoFrame* frame)
    : frame_(frame),
      width_(GST_VIDEO_FRAME_WIDTH(frame)),
      height_(GST_VIDEO_FRAME_HEIGHT(frame)),
      yuv_(GST_VIDEO_FORMAT_INFO_IS_YUV(frame->info.finfo)),
      grey_only_(GST_VIDEO_FORMAT_INFO_IS_GRAY(frame->info.finfo)) {
  const GstVideoFormatInfo* f = frame->info.finfo;
  const int ncomp = grey_only_ ? 1 : 3;
  for (int c = 0; c < ncomp; ++c)
    comp_[c] = Comp{static_cast<uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(frame, c)), GST_VIDEO_FRAME_COMP_STRIDE(frame, c),
                    GST_VIDEO_FRAME_COMP_PSTRIDE(frame, c), static_cast<int>(GST_VIDEO_FORMAT_INFO_W_SUB(f, c)),
                    static_cast<int>(GST_VIDEO_FORMAT_INFO_H_SUB(f, c))};
  if (yuv_) {
    gdouble kr, kb;
    if (gst_video_color_matrix_get_Kr_Kb(frame->info.colorimetry.matrix, &kr, &kb)) {
      kr_ = kr;
      kb_ = kb;
    }
    if (frame->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
      y_off_ = 0;
      y_scale_ = 1.0 / 255;
      c_scale_ = 1.0 / 255;
    }
  }
}

const cv::Mat& FrameAccess::grey(cv::Mat& scratch) {
  const Comp& y = comp_[0];
  if (yuv_ || grey_only_) {
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
  for (int y = 0; y < r.height; ++y) {
    cv::Vec3b* dst = out.ptr<cv::Vec3b>(y);
    const int fy = r.y + y;
    for (int x = 0; x < r.width; ++x) {
      const int fx = r.x + x;
      if (grey_only_) {
        const uint8_t g = comp_[0].at(fx, fy);
        dst[x] = {g, g, g};
      } else if (!yuv_) {
        dst[x] = {comp_[2].at(fx, fy), comp_[1].at(fx, fy), comp_[0].at(fx, fy)};
      } else {
        const double yy = (comp_[0].at(fx, fy) - y_off_) * y_scale_;
        const double pb = (comp_[1].at(fx, fy) - 128.0) * c_scale_;
        const double pr = (comp_[2].at(fx, fy) - 128.0) * c_scale_;
        const double R = yy + 2 * (1 - kr_) * pr;
        const double B = yy + 2 * (1 - kb_) * pb;
        const double G = (yy - kr_ * R - kb_ * B) / (1 - kr_ - kb_);
        dst[x] = {clamp8(B * 255), clamp8(G * 255), clamp8(R * 255)};
      }
    }
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

void FrameAccess::rgb_to_native(const cv::Vec3b& rgb, uint8_t out[3]) const {
  const double R = rgb[0] / 255.0, G = rgb[1] / 255.0, B = rgb[2] / 255.0;
  if (!yuv_ && !grey_only_) {
    out[0] = rgb[0], out[1] = rgb[1], out[2] = rgb[2];
    return;
  }
  const double Y = kr_ * R + (1 - kr_ - kb_) * G + kb_ * B;
  out[0] = clamp8(Y / y_scale_ + y_off_);
  out[1] = clamp8((B - Y) / (2 * (1 - kb_)) / c_scale_ + 128);
  out[2] = clamp8((R - Y) / (2 * (1 - kr_)) / c_scale_ + 128);
  if (grey_only_) out[0] = clamp8(Y * 255);
}

void FrameAccess::paint(const cv::Mat& mask, const cv::Rect& area, const Palette& rgb) {
  uint8_t native[4][3];
  for (size_t i = 0; i < rgb.size(); ++i) rgb_to_native(rgb[i], native[i]);
  const cv::Rect a = area & cv::Rect(0, 0, width_, height_);
  const int ncomp = grey_only_ ? 1 : 3;
  for (int y = a.y; y < a.y + a.height; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    for (int x = a.x; x < a.x + a.width; ++x) {
      if (!m[x]) continue;
      // Subsampled chroma is shared by neighbours: the last painted pixel of a block wins.
      for (int c = 0; c < ncomp; ++c) comp_[c].at(x, y) = native[m[x]][c];
    }
  }
}

}  // namespace feremotion
