// The report's plots as PNG files, drawn with cairo: time in mm:ss on every time axis, each emotion
// in its fer::emotion_colour, as in the element's overlay and the page's legend.
#pragma once

#include <string>
#include <vector>

#include "people.hpp"

namespace report {

// "m:ss", or "h:mm:ss" from an hour on.
std::string clock_time(double seconds);

struct TimeSpan {
  double from_s, to_s;  // the x axis: the whole video, so every person's timeline lines up
};

// One person's scores over time, stacked (they sum to 1), and the label sequence in a strip under them.
void draw_timeline(const std::string& png, const Results& r, const Person& p, TimeSpan span);
// The number of faces in each frame.
void draw_faces_over_time(const std::string& png, const Results& r, TimeSpan span);
// One horizontal bar per class: its share.
void draw_mix(const std::string& png, const std::vector<std::string>& classes, const std::vector<double>& share);

}  // namespace report
