// Results as JSON lines (results-file property): one object a frame, so a plain gst-launch-1.0
// line turns a recorded file into data without any code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "fer/frame_analyzer.hpp"

namespace feremotion {

class JsonLinesWriter {
 public:
  ~JsonLinesWriter() { close(); }
  // Truncates or creates path; throws std::runtime_error naming the file and the cause.
  void open(const std::string& path);
  void close();
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // {"frame", "pts" (ns, null if none), "time" (s), "faces": [{x, y, width, height, track_id, label,
  // label_id, confidence, fresh, scores: {class: p}, landmarks (YuNet): [[x, y] x 5]}]}. Returns false
  // when the write failed (disk full).
  bool write(int64_t frame, GstClockTime pts, const std::vector<fer::FaceResult>& faces,
             const std::vector<std::string>& classes);

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace feremotion
