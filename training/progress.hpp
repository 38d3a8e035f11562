// A one-line progress bar on stderr, redrawn in place on a terminal and printed sparsely otherwise
// (logs of CI or `nohup` stay readable).
#pragma once

#include <string>

namespace fer::cli {

class ProgressBar {
 public:
  ProgressBar();
  // done of total, with a label in front and a text after the bar (loss, speed, ETA).
  void update(const std::string& label, long done, long total, const std::string& text);
  // Clears the bar so the next line prints on a clean line.
  void clear();

 private:
  bool tty_;
  long last_percent_ = -1;
};

std::string format_duration(double seconds);

}  // namespace fer::cli
