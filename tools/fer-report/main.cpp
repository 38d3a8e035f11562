// fer-report: from the JSON lines of a run (the element's results-file) to a report folder:
// index.html (per person timelines and shares, the whole video's faces and mix), summary.csv and
// summary.json with the same figures, and thumbnails when the video is given.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "charts.hpp"
#include "figures.hpp"
#include "html_page.hpp"
#include "people.hpp"
#include "results_reader.hpp"
#include "thumbnails.hpp"

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write '" + path.string() + "' (is the report folder writable?)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fer-report: a report (index.html, summary.csv, summary.json) from feremotion's results-file"};
  std::string results_path, out_dir, video, stream, title;
  double fps = 30, min_seconds = 1.0;
  report::JoinRule join;
  app.add_option("results", results_path, "JSON lines written by feremotion's results-file")->required();
  app.add_option("--out,-o", out_dir, "report folder (created; files of an earlier report are overwritten)")->required();
  app.add_option("--video", video, "the video the results came from: a thumbnail of each person");
  app.add_option("--stream", stream, "the stream to report where the file holds several (their \"stream\" field)");
  app.add_option("--title", title, "the page's title (default: Emotion report: <results file name>)");
  app.add_option("--fps", fps, "frame rate for lines without timestamps")->check(CLI::Range(0.1, 1000.0))->capture_default_str();
  app.add_option("--join-gap", join.max_gap_s, "join a track to one that ended at most this many seconds earlier nearby (0: never)")
      ->check(CLI::Range(0.0, 3600.0))->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "people seen for less are counted on the page, not shown (all are in the summaries)")
      ->check(CLI::Range(0.0, 1e9))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (title.empty()) title = "Emotion report: " + fs::path(results_path).filename().string();

  try {
    const report::Results results = report::read_results(results_path, stream, fps);
    const report::People people = report::find_people(results, join);
    report::Figures figures = report::compute_figures(results, people);

    const fs::path out(out_dir), img = out / "img";
    std::error_code ec;
    fs::create_directories(img, ec);
    if (ec) throw std::runtime_error("cannot create '" + img.string() + "': " + ec.message() + " (choose a writable --out)");

    std::vector<std::string> notes = results.notes;
    if (results.skipped) notes.insert(notes.begin(), std::to_string(results.skipped) + " of " + std::to_string(results.lines) +
                                                         " lines were skipped; the report shows the rest");
    if (results.frames.empty()) notes.push_back("'" + results_path + "' holds no readable frame");
    if (!video.empty() && !people.people.empty()) {
      const auto v = report::write_thumbnails(video, results, people, figures, img.string(), "img");
      notes.insert(notes.end(), v.begin(), v.end());
    }

    report::PageInput page{title, results_path, video, &figures, &results, notes, "img/faces.png", "img/mix.png", {}, min_seconds};
    if (!results.frames.empty()) {
      const report::TimeSpan span{results.frames.front().time, results.frames.back().time + results.frame_interval};
      report::draw_faces_over_time((img / "faces.png").string(), results, span);
      report::draw_mix((img / "mix.png").string(), figures.classes, figures.share);
      for (size_t i = 0; i < people.people.size(); ++i) {
        std::string png;
        if (figures.people[i].seconds_seen >= min_seconds) {
          png = "img/timeline-" + figures.people[i].name + ".png";
          report::draw_timeline((out / png).string(), results, people.people[i], span);
        }
        page.timeline_png.push_back(png);
      }
    }
    write_text(out / "index.html", report::html_page(page));
    write_text(out / "summary.json", report::to_json(figures, results).dump(2) + "\n");
    write_text(out / "summary.csv", report::to_csv(figures));

    for (const auto& n : notes) std::cerr << "fer-report: " << n << "\n";
    std::cout << "fer-report: " << figures.frames << " frames, " << figures.people.size() << " people (" << people.joined
              << " split tracks joined), " << results.skipped << " lines skipped -> " << (out / "index.html").string()
              << std::endl;
    return notes.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "fer-report: " << e.what() << "\n";
    return 2;
  }
}
