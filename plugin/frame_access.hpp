// Reading and painting a mapped GstVideoFrame in its own format (no videoconvert):
// a grey image for the detector, BGR crops for the classifier, overlay paint.
#pragma once

#include <array>
#include <vector>

#include <gst/video/video.h>
#include <opencv2/core.hpp>

namespace feremotion {

// A colour in one video format's components: Y,U,V or R,G,B (GRAY8: Y only).
using Ink = std::array<uint8_t, 3>;

// How one video format is read and painted, worked out once per caps (the element's set_info, as
// gstgamma picks its per-format functions there), not per frame and per pixel.
struct FrameFormat {
  FrameFormat() = default;
  explicit FrameFormat(const GstVideoInfo& info);

  enum class Layout { Yuv, Rgb, Grey } layout = Layout::Rgb;
  int ncomp = 3;  // components painted: Y,U,V or R,G,B; GRAY8: Y only
  // YUV -> RGB: Y' = (Y - y_off) * y_scale, Pb/Pr = (C - 128) * c_scale.
  double kr = 0.299, kb = 0.114, y_off = 16, y_scale = 1.0 / 219, c_scale = 1.0 / 224;

  Ink ink(uint8_t r, uint8_t g, uint8_t b) const;  // an RGB colour in this format's components
};

class FrameAccess {
 public:
  FrameAccess(GstVideoFrame* frame, const FrameFormat& format);

  cv::Size size() const { return {width_, height_}; }
  // Grey at frame size: a view of the Y plane where there is one, else converted into scratch.
  const cv::Mat& grey(cv::Mat& scratch);
  // BGR copy of a rectangle of the frame.
  cv::Mat crop_bgr(const cv::Rect& r) const;
  // The whole frame in BGR (for a colour detector), into scratch: OpenCV's BT.601 conversions for
  // the common YUV layouts (fast; the detector does not need the exact colorimetry), else crop_bgr.
  const cv::Mat& bgr(cv::Mat& scratch) const;
  // Writes inks[m] into every pixel of `area` whose mask value m is non-zero.
  void paint(const cv::Mat& mask, const cv::Rect& area, const std::vector<Ink>& inks);

 private:
  struct Comp {
    uint8_t* data;
    int stride, pstride, wsub, hsub;
    uint8_t& at(int x, int y) const { return data[(y >> hsub) * stride + (x >> wsub) * pstride]; }
  };
  GstVideoFrame* frame_;
  const FrameFormat& fmt_;
  int width_, height_;
  std::array<Comp, 3> comp_{};  // Y,U,V or R,G,B (GRAY8: Y only)
};

}  // namespace feremotion
