// Reading the JSON lines that the element's results-file (and the publishing element) write, one
// frame a line, keeping what is readable and counting, with line numbers, what is not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace report {

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  double cx() const { return x + width / 2; }
  double cy() const { return y + height / 2; }
};

struct FaceSeen {
  int64_t track_id = 0;
  Box box;
  size_t label_id = 0;          // index into Results::classes
  std::vector<double> scores;   // one per class
};

struct FrameSeen {
  int64_t frame = 0;
  double time = 0;  // seconds: the buffer's timestamp, or frame / fps where the file has none
  std::vector<FaceSeen> faces;
};

struct Results {
  std::vector<std::string> classes;  // in the order of the first line's "scores"
  std::vector<FrameSeen> frames;     // sorted by frame number, one per number
  std::string stream;                // the "stream" field of the lines read ("" where absent)
  double frame_interval = 1.0 / 30;  // seconds between frames (median of the timestamps)
  bool timed = true;                 // false: times are frame / fps
  int64_t lines = 0, skipped = 0, out_of_order = 0, duplicates = 0;
  std::vector<std::string> notes;    // what was skipped and why, for the reader and the page
};

// Reads `path`. Throws std::runtime_error only where the file cannot be read at all; a line that is
// not JSON, lacks a field, names other classes or repeats a frame is skipped and noted.
// `stream` selects one stream's lines where several were written to one file ("" = the only one).
// `fps` gives times to lines without timestamps.
Results read_results(const std::string& path, const std::string& stream, double fps);

}  // namespace report
