#include "overlay.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace feremotion {

cv::Rect draw_overlay(cv::Mat& mask, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes) {
  const cv::Rect frame(0, 0, mask.cols, mask.rows);
  // Text grows with the frame so it stays legible on 4K and fits on small frames.
  const double font = std::clamp(mask.rows / 900.0, 0.35, 2.0);
  const int thick = std::max(1, static_cast<int>(std::lround(mask.rows / 360.0)));
  cv::Rect drawn;
  for (const auto& f : faces) {
    cv::rectangle(mask, f.box, kBoxInk, thick);
    drawn |= cv::Rect(f.box.x - thick, f.box.y - thick, f.box.width + 2 * thick, f.box.height + 2 * thick);

    const std::string text = classes[f.label_id] + cv::format(" %d%%", static_cast<int>(std::lround(100 * f.confidence)));
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, thick, &base);
    const int pad = std::max(2, thick * 2);
    // Above the box where there is room, else inside its top edge.
    int top = f.box.y - ts.height - base - 2 * pad;
    if (top < 0) top = f.box.y;
    const cv::Rect label(f.box.x, top, ts.width + 2 * pad, ts.height + base + 2 * pad);
    cv::rectangle(mask, label, kLabelBackInk, cv::FILLED);
    cv::putText(mask, text, {label.x + pad, label.y + pad + ts.height}, cv::FONT_HERSHEY_SIMPLEX, font, kTextInk,
                thick, cv::LINE_8);
    drawn |= label;
  }
  return drawn & frame;
}

}  // namespace feremotion
