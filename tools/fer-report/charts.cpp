#include "charts.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include <cairo.h>

#include "fer/emotion_colours.hpp"

namespace report {
namespace {

constexpr const char* kFont = "DejaVu Sans";

// One PNG: a white surface, written on save().
class Canvas {
 public:
  Canvas(int width, int height)
      : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy),
        cr_(cairo_create(surface_.get()), cairo_destroy) {
    cairo_set_source_rgb(cr_.get(), 1, 1, 1);
    cairo_paint(cr_.get());
    cairo_select_font_face(cr_.get(), kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_.get(), 12);
  }
  cairo_t* cr() const { return cr_.get(); }
  void save(const std::string& path) const {
    cairo_surface_flush(surface_.get());
    if (cairo_surface_write_to_png(surface_.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
      throw std::runtime_error("cannot write '" + path + "' (is the report folder writable?)");
  }

 private:
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr_;
};

void ink(cairo_t* cr, const fer::Rgb& c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }
void grey(cairo_t* cr, double v) { cairo_set_source_rgb(cr, v, v, v); }

enum class Anchor { Left, Centre, Right };
void text(cairo_t* cr, double x, double y, const std::string& s, Anchor a) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  const double dx = a == Anchor::Left ? 0 : a == Anchor::Centre ? -e.x_advance / 2 : -e.x_advance;
  cairo_move_to(cr, x + dx, y);
  cairo_show_text(cr, s.c_str());
}

// Where a plot's data land on the canvas.
struct Frame {
  double left, top, width, height;
  double t0, t1;  // seconds at the left and right edges
  double x(double t) const { return left + (t - t0) / std::max(t1 - t0, 1e-9) * width; }
};

// Ticks at a round step in seconds, at most about eight of them, labelled m:ss.
void time_axis(cairo_t* cr, const Frame& f, double y_labels, double grid_top, double grid_bottom) {
  static const double kSteps[] = {0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
  double step = kSteps[std::size(kSteps) - 1];
  for (double s : kSteps)
    if ((f.t1 - f.t0) / s <= 8) {
      step = s;
      break;
    }
  cairo_set_line_width(cr, 1);
  for (double t = std::ceil(f.t0 / step) * step; t <= f.t1 + 1e-9; t += step) {
    const double x = std::round(f.x(t)) + 0.5;
    grey(cr, 0.85);
    cairo_move_to(cr, x, grid_top);
    cairo_line_to(cr, x, grid_bottom);
    cairo_stroke(cr);
    grey(cr, 0.2);
    text(cr, x, y_labels, clock_time(t), Anchor::Centre);
  }
  text(cr, f.left + f.width, y_labels + 16, "time (m:ss)", Anchor::Right);
}

void box(cairo_t* cr, const Frame& f) {
  grey(cr, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, std::round(f.left) + 0.5, std::round(f.top) + 0.5, std::round(f.width), std::round(f.height));
  cairo_stroke(cr);
}

}  // namespace

std::string clock_time(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

void draw_timeline(const std::string& png, const Results& r, const Person& p, TimeSpan span) {
  const int width = 960, height = 250;
  Canvas canvas(width, height);
  cairo_t* cr = canvas.cr();
  const Frame plot{56, 12, width - 76.0, 160, span.from_s, span.to_s};
  const double strip_top = plot.top + plot.height + 8, strip_h = 16;
  const size_t k = r.classes.size();
  const double dt = r.frame_interval;
  time_axis(cr, plot, strip_top + strip_h + 16, plot.top, strip_top + strip_h);  // first: the grid lies under the data

  // Each frame the person was seen in is a slab one frame wide: absences stay blank. One path per
  // class, filled once, so neighbouring slabs show no seams.
  for (size_t c = 0; c < k; ++c) {
    for (const auto& s : p.seen) {
      const double t = r.frames[s.frame_index].time;
      double below = 0;
      for (size_t j = 0; j < c; ++j) below += s.face->scores[j];
      const double x0 = plot.x(t), x1 = std::max(plot.x(t + dt), x0 + 0.6);
      const double y0 = plot.top + plot.height * (1 - below), y1 = plot.top + plot.height * (1 - below - s.face->scores[c]);
      cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
    }
    ink(cr, fer::emotion_colour(r.classes[c], c));
    cairo_fill(cr);
  }
  for (size_t c = 0; c < k; ++c) {
    for (const auto& s : p.seen) {
      if (s.face->label_id != c) continue;
      const double t = r.frames[s.frame_index].time;
      const double x0 = plot.x(t), x1 = std::max(plot.x(t + dt), x0 + 0.6);
      cairo_rectangle(cr, x0, strip_top, x1 - x0, strip_h);
    }
    ink(cr, fer::emotion_colour(r.classes[c], c));
    cairo_fill(cr);
  }

  grey(cr, 0.2);
  for (int pct : {0, 50, 100}) {
    const double y = plot.top + plot.height * (1 - pct / 100.0);
    text(cr, plot.left - 6, y + 4, std::to_string(pct) + "%", Anchor::Right);
  }
  text(cr, plot.left - 6, strip_top + 12, "label", Anchor::Right);
  box(cr, plot);
  canvas.save(png);
}

void draw_faces_over_time(const std::string& png, const Results& r, TimeSpan span) {
  const int width = 960, height = 190;
  Canvas canvas(width, height);
  cairo_t* cr = canvas.cr();
  const Frame plot{56, 12, width - 76.0, 120, span.from_s, span.to_s};
  int top = 1;
  for (const auto& f : r.frames) top = std::max(top, static_cast<int>(f.faces.size()));
  // Headroom above the largest count, so its line does not hide in the frame's border.
  auto y = [&](double n) { return plot.top + plot.height * (1 - n / (top * 1.15)); };
  time_axis(cr, plot, plot.top + plot.height + 16, plot.top, plot.top + plot.height);

  // A step line: the count holds for one frame interval; a missing frame drops to the baseline.
  cairo_set_line_width(cr, 1.5);
  ink(cr, {0, 114, 178});
  double prev_end = -1e300;
  for (const auto& f : r.frames) {
    const double x0 = plot.x(f.time), x1 = plot.x(f.time + r.frame_interval), h = y(static_cast<double>(f.faces.size()));
    if (f.time > prev_end + r.frame_interval / 2) cairo_move_to(cr, x0, h);
    cairo_line_to(cr, x0, h);
    cairo_line_to(cr, x1, h);
    prev_end = f.time + r.frame_interval;
  }
  cairo_stroke(cr);

  grey(cr, 0.2);
  const int step = std::max(1, top / 4);
  for (int n = 0; n <= top; n += step) text(cr, plot.left - 6, y(n) + 4, std::to_string(n), Anchor::Right);
  box(cr, plot);
  canvas.save(png);
}

void draw_mix(const std::string& png, const std::vector<std::string>& classes, const std::vector<double>& share) {
  const int row = 26, width = 480, height = 16 + row * static_cast<int>(classes.size());
  Canvas canvas(width, height);
  cairo_t* cr = canvas.cr();
  const double left = 90, bar_w = width - left - 70;
  for (size_t c = 0; c < classes.size(); ++c) {
    const double top = 8 + row * static_cast<double>(c);
    grey(cr, 0.2);
    text(cr, left - 8, top + 15, classes[c], Anchor::Right);
    grey(cr, 0.93);
    cairo_rectangle(cr, left, top + 2, bar_w, row - 6);
    cairo_fill(cr);
    ink(cr, fer::emotion_colour(classes[c], c));
    cairo_rectangle(cr, left, top + 2, bar_w * share[c], row - 6);
    cairo_fill(cr);
    grey(cr, 0.2);
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.1f%%", 100 * share[c]);
    text(cr, left + bar_w + 8, top + 15, pct, Anchor::Left);
  }
  canvas.save(png);
}

}  // namespace report
