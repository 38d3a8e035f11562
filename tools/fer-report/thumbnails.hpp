// A picture of each person, cut from the video the results came from (--video), read with OpenCV.
#pragma once

#include <string>
#include <vector>

#include "figures.hpp"
#include "people.hpp"

namespace report {

// Writes <dir>/<person>.jpg (the frame where the person's face is largest, with a margin) and sets
// each PersonFigures::thumbnail to its name relative to the report folder (`rel`). Returns notes on
// what could not be done: a video that does not open, ends early, or whose frame the faces do not fit
// in (the video of another run).
std::vector<std::string> write_thumbnails(const std::string& video, const Results& r, const People& people,
                                          Figures& figures, const std::string& dir, const std::string& rel);

}  // namespace report
