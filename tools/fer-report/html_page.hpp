// index.html: one page, no script, no network; the plots and pictures are files beside it.
#pragma once

#include <string>
#include <vector>

#include "figures.hpp"

namespace report {

struct PageInput {
  std::string title, results_file, video_file;
  const Figures* figures;
  const Results* results;
  std::vector<std::string> notes;  // everything skipped or mismatched, said at the top
  std::string faces_png, mix_png;  // relative paths
  std::vector<std::string> timeline_png;  // per person, "" where not drawn
  double min_seconds;  // people seen for less are counted, not shown
};

std::string html_page(const PageInput& in);

}  // namespace report
