#include "overlay.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace feremotion {

std::vector<fer::Rgb> overlay_palette(const std::vector<std::string>& classes) {
  std::vector<fer::Rgb> palette{{0, 0, 0}, {255, 255, 255}, {0, 0, 0}};
  for (size_t c = 0; c < classes.size() && palette.size() < 256; ++c) palette.push_back(fer::emotion_colour(classes[c], c));
  return palette;
}

cv::Rect draw_overlay(cv::Mat& mask, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes) {
  const cv::Rect frame(0, 0, mask.cols, mask.rows);
  // Text grows with the frame so it stays legible on 4K and fits on small frames.
  const double font = std::clamp(mask.rows / 900.0, 0.35, 2.0);
  const int thick = std::max(1, static_cast<int>(std::lround(mask.rows / 360.0)));
  cv::Rect drawn;
  for (const auto& f : faces) {
    // Classes past the mask's 253 colours (no real model has them) share the last one.
    const int ink = static_cast<int>(std::min<size_t>(kFirstClassInk + f.label_id, 255));
    const bool dark_text = fer::emotion_colour(classes[f.label_id], f.label_id).text().r == 0;
    cv::rectangle(mask, f.box, ink, thick);
    drawn |= cv::Rect(f.box.x - thick, f.box.y - thick, f.box.width + 2 * thick, f.box.height + 2 * thick);

    const std::string text = classes[f.label_id] + cv::format(" %d%%", static_cast<int>(std::lround(100 * f.confidence)));
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, thick, &base);
    const int pad = std::max(2, thick * 2);
    // Above the box where there is room, else inside its top edge.
    int top = f.box.y - ts.height - base - 2 * pad;
    if (top < 0) top = f.box.y;
    const cv::Rect label(f.box.x, top, ts.width + 2 * pad, ts.height + base + 2 * pad);
    cv::rectangle(mask, label, ink, cv::FILLED);
    cv::putText(mask, text, {label.x + pad, label.y + pad + ts.height}, cv::FONT_HERSHEY_SIMPLEX, font,
                dark_text ? kBlackInk : kWhiteInk,
                thick, cv::LINE_8);
    drawn |= label;
  }
  return drawn & frame;
}

}  // namespace feremotion
