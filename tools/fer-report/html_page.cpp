#include "html_page.hpp"

#include <cstdio>
#include <sstream>

#include "charts.hpp"
#include "fer/emotion_colours.hpp"

namespace report {
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string pct(double v) {
  char b[16];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * v);
  return b;
}

std::string css_colour(const std::vector<std::string>& classes, size_t c) {
  const fer::Rgb k = fer::emotion_colour(classes[c], c);
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", k.r, k.g, k.b);
  return b;
}

std::string swatch(const std::vector<std::string>& classes, size_t c) {
  return "<span class=\"sw\" style=\"background:" + css_colour(classes, c) + "\"></span>";
}

// The share of each class as one bar of coloured parts, with the figures beneath.
std::string share_bar(const std::vector<std::string>& classes, const std::vector<double>& share) {
  std::string bar = "<div class=\"bar\">", legend = "<div class=\"shares\">";
  for (size_t c = 0; c < classes.size(); ++c) {
    if (share[c] > 0)
      bar += "<span style=\"width:" + std::to_string(100 * share[c]) + "%;background:" + css_colour(classes, c) +
             "\" title=\"" + esc(classes[c]) + " " + pct(share[c]) + "\"></span>";
    legend += "<span>" + swatch(classes, c) + esc(classes[c]) + " " + pct(share[c]) + "</span>";
  }
  return bar + "</div>" + legend + "</div>";
}

constexpr const char* kStyle = R"(
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:24px auto;max-width:1000px;color:#222;background:#fff}
h1{margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
.source{color:#555;margin-top:0}.notes{background:#fff4e0;border-left:4px solid #e69f00;padding:8px 12px}
.notes li{margin:2px 0}.legend span,.shares span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
table.facts td{padding:2px 14px 2px 0}table.facts td:first-child{color:#555}
figure{margin:12px 0}figcaption{color:#555;font-size:90%}img{max-width:100%;height:auto}
.person{border:1px solid #ddd;border-radius:6px;padding:12px;margin:16px 0}
.person header{display:flex;gap:16px;align-items:center}.thumb{height:128px;border-radius:4px}
.nothumb{width:96px;height:128px;background:#eee;display:flex;align-items:center;justify-content:center;color:#999}
.person h3{margin:0 0 6px 0}
.bar{display:flex;height:14px;width:420px;border-radius:3px;overflow:hidden;background:#eee;margin:6px 0}
.bar span{display:block;height:100%}
)";

}  // namespace

std::string html_page(const PageInput& in) {
  const Figures& f = *in.figures;
  const auto& classes = f.classes;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << esc(in.title)
    << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n<h1>" << esc(in.title) << "</h1>\n";
  h << "<p class=\"source\">results <code>" << esc(in.results_file) << "</code>";
  if (!in.results->stream.empty()) h << ", stream <code>" << esc(in.results->stream) << "</code>";
  if (!in.video_file.empty()) h << ", video <code>" << esc(in.video_file) << "</code>";
  h << "</p>\n";
  if (!in.notes.empty()) {
    h << "<div class=\"notes\"><strong>Read with care:</strong><ul>";
    for (const auto& n : in.notes) h << "<li>" << esc(n) << "</li>";
    h << "</ul></div>\n";
  }
  if (f.frames == 0) {
    h << "<p>No frame could be read from the results file, so there is nothing to show.</p>\n</body></html>\n";
    return h.str();
  }

  h << "<p class=\"legend\">";
  for (size_t c = 0; c < classes.size(); ++c) h << "<span>" << swatch(classes, c) << esc(classes[c]) << "</span>";
  h << "</p>\n<h2>The whole video</h2>\n<table class=\"facts\">";
  h << "<tr><td>length</td><td>" << clock_time(f.duration_s) << " (" << f.frames << " frames)</td></tr>";
  h << "<tr><td>people</td><td>" << f.people.size() << " (from " << f.tracks << " tracks; " << f.joined
    << " split tracks joined)</td></tr>";
  char faces[64];
  std::snprintf(faces, sizeof faces, "%.2f on average, at most %d", f.mean_faces, f.max_faces);
  h << "<tr><td>faces per frame</td><td>" << faces << "</td></tr></table>\n";
  h << "<figure><img src=\"" << esc(in.faces_png) << "\" alt=\"faces in each frame over time\">"
    << "<figcaption>Faces found in each frame over time.</figcaption></figure>\n";
  h << "<figure><img src=\"" << esc(in.mix_png) << "\" alt=\"emotion mix of the whole video\">"
    << "<figcaption>Emotion mix: the share of every face in every frame with each label.</figcaption></figure>\n";

  h << "<h2>People</h2>\n";
  int hidden = 0;
  for (size_t i = 0; i < f.people.size(); ++i) {
    const PersonFigures& p = f.people[i];
    if (p.seconds_seen < in.min_seconds) {
      ++hidden;
      continue;
    }
    h << "<section class=\"person\" id=\"" << esc(p.name) << "\"><header>";
    if (!p.thumbnail.empty())
      h << "<img class=\"thumb\" src=\"" << esc(p.thumbnail) << "\" alt=\"" << esc(p.name) << "\">";
    else
      h << "<div class=\"nothumb\">" << esc(p.name) << "</div>";
    h << "<div><h3>" << esc(p.name) << ": mostly " << swatch(classes, p.dominant) << esc(classes[p.dominant]) << " ("
      << pct(p.share[p.dominant]) << " of the time)</h3>";
    char seen[128];
    std::snprintf(seen, sizeof seen, "%.1f s in %lld frames", p.seconds_seen, static_cast<long long>(p.frames));
    h << "seen " << clock_time(p.first_s) << " to " << clock_time(p.last_s) << " (" << seen << "); track";
    h << (p.track_ids.size() > 1 ? "s " : " ");
    for (size_t t = 0; t < p.track_ids.size(); ++t) h << (t ? ", " : "") << p.track_ids[t];
    if (p.track_ids.size() > 1) h << " (joined)";
    h << share_bar(classes, p.share) << "</div></header>\n";
    if (!in.timeline_png[i].empty())
      h << "<figure><img src=\"" << esc(in.timeline_png[i]) << "\" alt=\"" << esc(p.name)
        << "'s emotions over time\"><figcaption>Scores over time (stacked), the label under them; blank where "
        << esc(p.name) << " was not seen.</figcaption></figure>\n";
    h << "</section>\n";
  }
  if (hidden)
    h << "<p>" << hidden << " more " << (hidden == 1 ? "face was" : "faces were") << " seen for less than " << in.min_seconds
      << " s each (listed in <a href=\"summary.csv\">summary.csv</a>).</p>\n";
  h << "<p class=\"source\">Figures: <a href=\"summary.csv\">summary.csv</a>, <a href=\"summary.json\">summary.json</a>. "
       "Made by fer-report.</p>\n</body></html>\n";
  return h.str();
}

}  // namespace report
