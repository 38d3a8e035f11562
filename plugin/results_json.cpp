#include "results_json.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace feremotion {
namespace {

const GValue* array_field(const GstStructure* s, const char* name) {
  const GValue* v = gst_structure_get_value(s, name);
  return v && GST_VALUE_HOLDS_ARRAY(v) ? v : nullptr;
}

}  // namespace

FaceRecord face_record(const fer::FaceResult& f, const std::vector<std::string>& classes) {
  FaceRecord r{f.box.x, f.box.y, f.box.width, f.box.height, f.track_id, classes[f.label_id],
               static_cast<int>(f.label_id), f.confidence, f.fresh, {}, {}};
  for (size_t c = 0; c < classes.size(); ++c) r.scores.emplace_back(classes[c], f.probs[c]);
  for (const auto& p : f.landmarks) r.landmarks.emplace_back(p.x, p.y);
  return r;
}

std::optional<FaceRecord> face_record(const GstVideoRegionOfInterestMeta& meta) {
  if (meta.roi_type != g_quark_from_static_string("face")) return std::nullopt;
  const GstStructure* e = gst_video_region_of_interest_meta_get_param(const_cast<GstVideoRegionOfInterestMeta*>(&meta), "emotion");
  if (!e) return std::nullopt;
  FaceRecord r;
  r.x = static_cast<int>(meta.x);
  r.y = static_cast<int>(meta.y);
  r.width = static_cast<int>(meta.w);
  r.height = static_cast<int>(meta.h);
  const char* label = gst_structure_get_string(e, "label");
  const GValue* scores = array_field(e, "scores");
  const GValue* classes = array_field(e, "classes");
  gboolean fresh = FALSE;
  if (!label || !scores || !classes || !gst_structure_get_int(e, "label_id", &r.label_id) ||
      !gst_structure_get_int(e, "track_id", &r.track_id) || !gst_structure_get_double(e, "confidence", &r.confidence) ||
      !gst_structure_get_boolean(e, "fresh", &fresh) || gst_value_array_get_size(scores) != gst_value_array_get_size(classes))
    return std::nullopt;
  r.label = label;
  r.fresh = fresh;
  for (guint c = 0; c < gst_value_array_get_size(scores); ++c) {
    const GValue* p = gst_value_array_get_value(scores, c);
    const GValue* n = gst_value_array_get_value(classes, c);
    if (!G_VALUE_HOLDS_DOUBLE(p) || !G_VALUE_HOLDS_STRING(n)) return std::nullopt;
    r.scores.emplace_back(g_value_get_string(n), g_value_get_double(p));
  }
  if (const GstStructure* lm = gst_video_region_of_interest_meta_get_param(const_cast<GstVideoRegionOfInterestMeta*>(&meta), "landmarks"))
    if (const GValue* xy = array_field(lm, "points"))
      for (guint i = 0; i + 1 < gst_value_array_get_size(xy); i += 2)
        r.landmarks.emplace_back(g_value_get_double(gst_value_array_get_value(xy, i)),
                                 g_value_get_double(gst_value_array_get_value(xy, i + 1)));
  return r;
}

std::string frame_json(int64_t frame, GstClockTime pts, const std::vector<FaceRecord>& faces, const std::string* stream) {
  const bool timed = GST_CLOCK_TIME_IS_VALID(pts);
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  if (stream) line["stream"] = *stream;
  line["frame"] = frame;
  line["pts"] = timed ? nlohmann::ordered_json(pts) : nullptr;
  line["time"] = timed ? nlohmann::ordered_json(static_cast<double>(pts) / GST_SECOND) : nullptr;
  line["faces"] = nlohmann::ordered_json::array();
  for (const auto& f : faces) {
    nlohmann::ordered_json scores = nlohmann::ordered_json::object();
    for (const auto& [name, p] : f.scores) scores[name] = p;
    nlohmann::ordered_json face{{"x", f.x}, {"y", f.y}, {"width", f.width}, {"height", f.height},
                                {"track_id", f.track_id}, {"label", f.label}, {"label_id", f.label_id},
                                {"confidence", f.confidence}, {"fresh", f.fresh}, {"scores", scores}};
    if (!f.landmarks.empty()) {
      face["landmarks"] = nlohmann::ordered_json::array();
      for (const auto& [x, y] : f.landmarks) face["landmarks"].push_back({x, y});
    }
    line["faces"].push_back(std::move(face));
  }
  return line.dump();
}

void JsonLinesWriter::open(const std::string& path, const char* property) {
  close();
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw std::runtime_error("cannot write results file '" + path + "': " + std::strerror(errno) + " (choose a writable path for " +
                             property + ")");
  path_ = path;
}

void JsonLinesWriter::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

bool JsonLinesWriter::write_line(const std::string& line) {
  const std::string text = line + "\n";
  return std::fwrite(text.data(), 1, text.size(), file_) == text.size() && std::fflush(file_) == 0;
}

}  // namespace feremotion
