// One frame's results as JSON (one object a line): the schema that results-file and
// feremotionpublish both write, stated once. Faces come either from the analyser (feremotion) or
// from the ROI metas riding on a buffer (feremotionpublish, after any element that attaches them).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gst/gst.h>
#include <gst/video/gstvideometa.h>

#include "fer/frame_analyzer.hpp"

namespace feremotion {

struct FaceRecord {
  int x = 0, y = 0, width = 0, height = 0;
  int track_id = 0;
  std::string label;
  int label_id = 0;
  double confidence = 0;
  bool fresh = false;
  std::vector<std::pair<std::string, double>> scores;  // class -> probability, in the model's order
  std::vector<std::pair<double, double>> landmarks;    // YuNet's five points, else none
};

FaceRecord face_record(const fer::FaceResult& f, const std::vector<std::string>& classes);
// A `face` ROI meta with an `emotion` parameter (as feremotion attaches), else nothing.
std::optional<FaceRecord> face_record(const GstVideoRegionOfInterestMeta& meta);

// {"stream" (where given), "frame", "pts" (ns, null if none), "time" (s), "faces": [{x, y, width,
// height, track_id, label, label_id, confidence, fresh, scores: {class: p}, landmarks: [[x, y] x 5]
// (YuNet)}]}, without a newline.
std::string frame_json(int64_t frame, GstClockTime pts, const std::vector<FaceRecord>& faces,
                       const std::string* stream = nullptr);

// A JSON-lines file, flushed each line: a reader tailing it sees each frame, and a crash loses at most one.
class JsonLinesWriter {
 public:
  ~JsonLinesWriter() { close(); }
  // Truncates or creates path; throws std::runtime_error naming the file and the cause (`property`: the
  // setting to change).
  void open(const std::string& path, const char* property = "results-file");
  void close();
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // Returns false when the write failed (disk full).
  bool write_line(const std::string& line);

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace feremotion
