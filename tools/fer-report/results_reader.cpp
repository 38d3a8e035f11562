#include "results_reader.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace report {
namespace {

using Json = nlohmann::ordered_json;  // keeps "scores" in the model's class order

constexpr size_t kMaxNotes = 20;  // the first lines skipped are named; the rest are counted

struct Line {
  int64_t number;
  std::string stream;
  FrameSeen frame;
  bool has_time;
};

double number(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) throw std::runtime_error(std::string("no number \"") + key + "\"");
  return it->get<double>();
}

// One face; `classes` is filled by the first face of the file and checked against by the rest.
FaceSeen face_of(const Json& j, std::vector<std::string>& classes) {
  if (!j.is_object()) throw std::runtime_error("a face is not an object");
  FaceSeen f;
  f.track_id = static_cast<int64_t>(number(j, "track_id"));
  f.box = {number(j, "x"), number(j, "y"), number(j, "width"), number(j, "height")};
  const auto scores = j.find("scores");
  if (scores == j.end() || !scores->is_object() || scores->empty()) throw std::runtime_error("no \"scores\" object");
  std::vector<std::string> names;
  for (const auto& [name, value] : scores->items()) {
    if (!value.is_number()) throw std::runtime_error("score \"" + name + "\" is not a number");
    names.push_back(name);
    f.scores.push_back(value.get<double>());
  }
  if (classes.empty()) classes = names;
  if (names != classes)
    throw std::runtime_error("its faces are scored for other classes than the earlier lines' (results of another model?)");
  const auto label = j.find("label");
  if (label == j.end() || !label->is_string()) throw std::runtime_error("no \"label\"");
  const auto at = std::find(classes.begin(), classes.end(), label->get<std::string>());
  if (at == classes.end()) throw std::runtime_error("label \"" + label->get<std::string>() + "\" is not among its scores");
  f.label_id = static_cast<size_t>(at - classes.begin());
  return f;
}

Line line_of(const Json& j, int64_t number_in_file, std::vector<std::string>& classes) {
  if (!j.is_object()) throw std::runtime_error("not a JSON object");
  Line l{number_in_file, "", {}, false};
  const auto frame = j.find("frame");
  if (frame == j.end() || !frame->is_number_integer()) throw std::runtime_error("no integer \"frame\"");
  l.frame.frame = frame->get<int64_t>();
  const auto time = j.find("time");
  l.has_time = time != j.end() && time->is_number();
  if (l.has_time) l.frame.time = time->get<double>();
  if (const auto s = j.find("stream"); s != j.end() && s->is_string()) l.stream = s->get<std::string>();
  const auto faces = j.find("faces");
  if (faces == j.end() || !faces->is_array()) throw std::runtime_error("no \"faces\" array");
  for (const auto& f : *faces) l.frame.faces.push_back(face_of(f, classes));
  return l;
}

}  // namespace

Results read_results(const std::string& path, const std::string& stream, double fps) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read results file '" + path + "' (give the results-file a run wrote)");
  Results r;
  auto note = [&](int64_t n, const std::string& why) {
    ++r.skipped;
    if (r.notes.size() < kMaxNotes) r.notes.push_back("line " + std::to_string(n) + " skipped: " + why);
  };
  std::vector<Line> lines;
  std::string text;
  while (std::getline(in, text)) {
    ++r.lines;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      note(r.lines, in.eof() ? "not JSON (the last line is cut short: was the run stopped while writing?)" : "not JSON");
      continue;
    }
    // A line scored for other classes must not set the classes of the lines after it.
    std::vector<std::string> classes = r.classes;
    try {
      lines.push_back(line_of(j, r.lines, classes));
      r.classes = classes;
    } catch (const std::exception& e) {
      note(r.lines, e.what());
    }
  }

  std::set<std::string> streams;
  for (const auto& l : lines) streams.insert(l.stream);
  if (streams.size() > 1 && stream.empty()) {
    std::string names;
    for (const auto& s : streams) names += (names.empty() ? "\"" : ", \"") + s + "\"";
    throw std::runtime_error("'" + path + "' holds the results of " + std::to_string(streams.size()) +
                             " streams (" + names + "): choose one with --stream");
  }
  r.stream = stream.empty() && !streams.empty() ? *streams.begin() : stream;
  if (!stream.empty() && !streams.count(stream)) r.notes.push_back("no line of stream \"" + stream + "\"");

  int64_t last = INT64_MIN;
  std::map<int64_t, const Line*> by_frame;
  bool all_timed = true;
  for (const auto& l : lines) {
    if (l.stream != r.stream) continue;
    if (l.frame.frame < last) ++r.out_of_order;
    last = std::max(last, l.frame.frame);
    if (!by_frame.emplace(l.frame.frame, &l).second) {
      ++r.duplicates;
      note(l.number, "frame " + std::to_string(l.frame.frame) + " was already read (two runs in one file?)");
      continue;
    }
    all_timed = all_timed && l.has_time;
  }
  if (r.out_of_order)
    r.notes.push_back(std::to_string(r.out_of_order) + " lines came after a later frame; the report puts them in frame order");
  for (const auto& [n, l] : by_frame) r.frames.push_back(l->frame);

  r.timed = all_timed && !r.frames.empty();
  if (r.timed) {
    std::vector<double> steps;
    for (size_t i = 1; i < r.frames.size(); ++i) {
      const double dt = r.frames[i].time - r.frames[i - 1].time;
      const auto dn = r.frames[i].frame - r.frames[i - 1].frame;
      if (dt > 0 && dn > 0) steps.push_back(dt / static_cast<double>(dn));
    }
    if (!steps.empty()) {
      std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
      r.frame_interval = steps[steps.size() / 2];
    } else {
      r.frame_interval = 1.0 / fps;
    }
  } else {
    r.frame_interval = 1.0 / fps;
    for (auto& f : r.frames) f.time = static_cast<double>(f.frame) / fps;
    if (!r.frames.empty())
      r.notes.push_back("the lines carry no timestamps: times are frame numbers at " + std::to_string(fps).substr(0, 5) +
                        " frames/s (--fps)");
  }
  return r;
}

}  // namespace report
