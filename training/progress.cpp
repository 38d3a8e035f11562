#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace fer::cli {

ProgressBar::ProgressBar() : tty_(isatty(fileno(stderr)) != 0) {}

std::string format_duration(double s) {
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

void ProgressBar::update(const std::string& label, long done, long total, const std::string& text) {
  const long percent = total > 0 ? done * 100 / total : 100;
  if (!tty_) {
    // Without a terminal: a line at each quarter only.
    if (percent / 25 == last_percent_ / 25 && done != total) return;
    last_percent_ = percent;
    std::fprintf(stderr, "%s %ld/%ld %s\n", label.c_str(), done, total, text.c_str());
    return;
  }
  constexpr int width = 30;
  const int filled = static_cast<int>(width * percent / 100);
  std::fprintf(stderr, "\r\033[K%s [%s%s] %ld/%ld %s", label.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), done, total, text.c_str());
  std::fflush(stderr);
  last_percent_ = percent;
}

void ProgressBar::clear() {
  if (tty_) std::fprintf(stderr, "\r\033[K");
  last_percent_ = -1;
}

}  // namespace fer::cli
