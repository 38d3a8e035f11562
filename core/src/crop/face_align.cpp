#include "fer/face_align.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fer {
namespace {

struct Square {
  cv::Point2d centre;
  double side;
};

Square square_of(const Face& f, double margin) {
  const cv::Rect& b = f.box;
  return {{b.x + b.width / 2.0, b.y + b.height / 2.0}, std::max(b.width, b.height) * (1.0 + 2.0 * margin)};
}

}  // namespace

double eye_angle_degrees(const Face& f) {
  if (f.landmarks.size() < 2) return 0.0;
  cv::Point2f a = f.landmarks[0], b = f.landmarks[1];
  if (b.x < a.x) std::swap(a, b);
  return std::atan2(static_cast<double>(b.y) - a.y, static_cast<double>(b.x) - a.x) * 180.0 / CV_PI;
}

cv::Rect aligned_source_rect(const Face& f, const cv::Size& frame, double margin) {
  const Square sq = square_of(f, margin);
  const double t = eye_angle_degrees(f) * CV_PI / 180.0;
  const double half = sq.side / 2.0 * (std::abs(std::cos(t)) + std::abs(std::sin(t))) + 1.0;
  const cv::Point tl(static_cast<int>(std::floor(sq.centre.x - half)), static_cast<int>(std::floor(sq.centre.y - half)));
  const cv::Point br(static_cast<int>(std::ceil(sq.centre.x + half)), static_cast<int>(std::ceil(sq.centre.y + half)));
  return cv::Rect(tl, br) & cv::Rect(0, 0, frame.width, frame.height);
}

cv::Mat aligned_crop(const cv::Mat& source, const cv::Point& origin, const Face& f, double margin) {
  const Square sq = square_of(f, margin);
  const int side = std::max(1, static_cast<int>(std::lround(sq.side)));
  if (source.empty()) return {};
  // Turn about the square's centre (in source coordinates), then move that centre to the crop's.
  const cv::Point2d c(sq.centre.x - origin.x, sq.centre.y - origin.y);
  cv::Mat m = cv::getRotationMatrix2D(c, eye_angle_degrees(f), 1.0);
  m.at<double>(0, 2) += side / 2.0 - c.x;
  m.at<double>(1, 2) += side / 2.0 - c.y;
  cv::Mat out;
  cv::warpAffine(source, out, m, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

cv::Mat aligned_crop(const cv::Mat& frame, const Face& f, double margin) {
  const cv::Rect r = aligned_source_rect(f, frame.size(), margin);
  if (r.area() == 0) return {};
  return aligned_crop(frame(r), r.tl(), f, margin);
}

}  // namespace fer
