// One colour per emotion, the same in the element's overlay, fer-predict's annotated stills and
// fer-report's plots and legends: a reader learns it once. Okabe-Ito colours (distinguishable with
// the common colour-vision deficiencies); classes without a named colour take the rest in turn.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <opencv2/core.hpp>

namespace fer {

struct Rgb {
  uint8_t r, g, b;
  cv::Scalar bgr() const { return {double(b), double(g), double(r)}; }
  // Text drawn on this colour: black on light colours, white on dark ones (Rec. 601 luma).
  Rgb text() const { return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? Rgb{0, 0, 0} : Rgb{255, 255, 255}; }
};

inline Rgb emotion_colour(std::string name, size_t class_index) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  struct Named {
    const char* name;
    Rgb colour;
  };
  static constexpr std::array<Named, 10> kNamed{{{"anger", {213, 94, 0}},     // vermillion
                                                 {"angry", {213, 94, 0}},
                                                 {"fear", {204, 121, 167}},   // reddish purple
                                                 {"happy", {230, 159, 0}},    // orange
                                                 {"neutral", {153, 153, 153}},  // grey
                                                 {"sad", {0, 114, 178}},      // blue
                                                 {"surprise", {86, 180, 233}},  // sky blue
                                                 {"disgust", {0, 158, 115}},  // bluish green
                                                 {"contempt", {240, 228, 66}},  // yellow
                                                 {"calm", {153, 153, 153}}}};
  for (const auto& n : kNamed)
    if (name == n.name) return n.colour;
  static constexpr std::array<Rgb, 6> kOthers{{{86, 180, 233}, {0, 158, 115}, {240, 228, 66}, {0, 114, 178},
                                               {213, 94, 0}, {204, 121, 167}}};
  return kOthers[class_index % kOthers.size()];
}

}  // namespace fer
