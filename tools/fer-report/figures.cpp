#include "figures.hpp"

#include <algorithm>
#include <sstream>

namespace report {
namespace {

std::vector<double> shares(const std::vector<int64_t>& counts) {
  int64_t total = 0;
  for (auto c : counts) total += c;
  std::vector<double> s(counts.size(), 0.0);
  for (size_t i = 0; i < counts.size() && total; ++i) s[i] = static_cast<double>(counts[i]) / static_cast<double>(total);
  return s;
}

nlohmann::ordered_json per_class(const std::vector<std::string>& classes, const std::vector<double>& v) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t c = 0; c < classes.size(); ++c) j[classes[c]] = v[c];
  return j;
}

// CSV fields: quoted where they hold a separator or a quote (RFC 4180).
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Figures compute_figures(const Results& r, const People& people) {
  Figures f;
  f.classes = r.classes;
  const size_t k = r.classes.size();
  f.frames = static_cast<int64_t>(r.frames.size());
  if (!r.frames.empty()) {
    f.first_s = r.frames.front().time;
    f.last_s = r.frames.back().time;
    f.duration_s = f.last_s - f.first_s + r.frame_interval;
  }
  std::vector<int64_t> all(k, 0);
  f.mean_score.assign(k, 0.0);
  for (const auto& fr : r.frames) {
    f.face_frames += static_cast<int64_t>(fr.faces.size());
    f.max_faces = std::max(f.max_faces, static_cast<int>(fr.faces.size()));
    for (const auto& face : fr.faces) {
      ++all[face.label_id];
      for (size_t c = 0; c < k; ++c) f.mean_score[c] += face.scores[c];
    }
  }
  for (auto& m : f.mean_score) m = f.face_frames ? m / static_cast<double>(f.face_frames) : 0.0;
  f.mean_faces = f.frames ? static_cast<double>(f.face_frames) / static_cast<double>(f.frames) : 0.0;
  f.share = shares(all);
  f.tracks = people.tracks;
  f.joined = people.joined;
  for (const auto& p : people.people) {
    PersonFigures pf;
    pf.name = p.name;
    pf.track_ids = p.track_ids;
    pf.frames = static_cast<int64_t>(p.seen.size());
    pf.first_s = r.frames[p.seen.front().frame_index].time;
    pf.last_s = r.frames[p.seen.back().frame_index].time;
    pf.seconds_seen = static_cast<double>(pf.frames) * r.frame_interval;
    std::vector<int64_t> counts(k, 0);
    pf.mean_score.assign(k, 0.0);
    for (const auto& s : p.seen) {
      ++counts[s.face->label_id];
      for (size_t c = 0; c < k; ++c) pf.mean_score[c] += s.face->scores[c] / static_cast<double>(pf.frames);
    }
    pf.share = shares(counts);
    pf.dominant = static_cast<size_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    f.people.push_back(std::move(pf));
  }
  return f;
}

nlohmann::ordered_json to_json(const Figures& f, const Results& r) {
  nlohmann::ordered_json people = nlohmann::ordered_json::array();
  for (const auto& p : f.people)
    people.push_back({{"person", p.name},
                      {"tracks", p.track_ids},
                      {"first_s", p.first_s},
                      {"last_s", p.last_s},
                      {"seconds_seen", p.seconds_seen},
                      {"frames", p.frames},
                      {"dominant", f.classes[p.dominant]},
                      {"share", per_class(f.classes, p.share)},
                      {"mean_score", per_class(f.classes, p.mean_score)},
                      {"thumbnail", p.thumbnail.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.thumbnail)}});
  return {{"stream", r.stream},
          {"classes", f.classes},
          {"frames", f.frames},
          {"first_s", f.first_s},
          {"last_s", f.last_s},
          {"duration_s", f.duration_s},
          {"frame_interval_s", r.frame_interval},
          {"timestamps", r.timed},
          {"face_frames", f.face_frames},
          {"mean_faces", f.mean_faces},
          {"max_faces", f.max_faces},
          {"share", per_class(f.classes, f.share)},
          {"mean_score", per_class(f.classes, f.mean_score)},
          {"tracks", f.tracks},
          {"joined_tracks", f.joined},
          {"people", people},
          {"input", {{"lines", r.lines}, {"skipped", r.skipped}, {"out_of_order", r.out_of_order},
                     {"duplicate_frames", r.duplicates}, {"notes", r.notes}}}};
}

std::string to_csv(const Figures& f) {
  std::ostringstream out;
  out << "person,tracks,first_s,last_s,seconds_seen,frames,dominant";
  for (const auto& c : f.classes) out << "," << field("share_" + c);
  for (const auto& c : f.classes) out << "," << field("mean_" + c);
  out << "\n";
  auto row = [&](const std::string& name, const std::string& tracks, double first, double last, double seen,
                 int64_t frames, const std::string& dominant, const std::vector<double>& share,
                 const std::vector<double>& mean) {
    out << field(name) << "," << field(tracks) << "," << first << "," << last << "," << seen << "," << frames << ","
        << field(dominant);
    for (double v : share) out << "," << v;
    for (double v : mean) out << "," << v;
    out << "\n";
  };
  out.precision(6);
  for (const auto& p : f.people) {
    std::string tracks;
    for (auto id : p.track_ids) tracks += (tracks.empty() ? "" : " ") + std::to_string(id);
    row(p.name, tracks, p.first_s, p.last_s, p.seconds_seen, p.frames, f.classes[p.dominant], p.share, p.mean_score);
  }
  // The whole video: every face-frame, whoever it was.
  const size_t dom = f.share.empty() ? 0 : static_cast<size_t>(std::max_element(f.share.begin(), f.share.end()) - f.share.begin());
  if (!f.classes.empty())
    row("all", "", f.first_s, f.last_s, static_cast<double>(f.face_frames) * (f.frames ? f.duration_s / static_cast<double>(f.frames) : 0),
        f.face_frames, f.classes[dom], f.share, f.mean_score);
  return out.str();
}

}  // namespace report
