#include "results_json.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace feremotion {

void JsonLinesWriter::open(const std::string& path) {
  close();
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw std::runtime_error("cannot write results file '" + path + "': " + std::strerror(errno) +
                             " (choose a writable path for results-file)");
  path_ = path;
}

void JsonLinesWriter::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

bool JsonLinesWriter::write(int64_t frame, GstClockTime pts, const std::vector<fer::FaceResult>& faces,
                            const std::vector<std::string>& classes) {
  const bool timed = GST_CLOCK_TIME_IS_VALID(pts);
  nlohmann::ordered_json line{{"frame", frame},
                              {"pts", timed ? nlohmann::ordered_json(pts) : nullptr},
                              {"time", timed ? nlohmann::ordered_json(static_cast<double>(pts) / GST_SECOND) : nullptr},
                              {"faces", nlohmann::ordered_json::array()}};
  for (const auto& f : faces) {
    nlohmann::ordered_json scores = nlohmann::ordered_json::object();
    for (size_t c = 0; c < classes.size(); ++c) scores[classes[c]] = f.probs[c];
    nlohmann::ordered_json face{{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.width}, {"height", f.box.height},
                                {"track_id", f.track_id}, {"label", classes[f.label_id]}, {"label_id", f.label_id},
                                {"confidence", f.confidence}, {"fresh", f.fresh}, {"scores", scores}};
    if (!f.landmarks.empty()) {
      face["landmarks"] = nlohmann::ordered_json::array();
      for (const auto& p : f.landmarks) face["landmarks"].push_back({p.x, p.y});
    }
    line["faces"].push_back(std::move(face));
  }
  const std::string text = line.dump() + "\n";
  // Flushed per frame: a reader tailing the file sees each frame, and a crash loses at most one.
  return std::fwrite(text.data(), 1, text.size(), file_) == text.size() && std::fflush(file_) == 0;
}

}  // namespace feremotion
