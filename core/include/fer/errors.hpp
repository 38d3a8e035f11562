// Errors the core throws; messages name the file, the problem and the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace fer {

// What went wrong, so callers can report it in their own terms (the element maps it onto
// GStreamer's error domains: RESOURCE/NOT_FOUND, RESOURCE/OPEN_READ, LIBRARY/INIT, ...).
enum class ErrorKind {
  Invalid,     // the file is there but is not what was expected (not a model, wrong keys, ...)
  NotFound,    // no such file
  Unreadable,  // there, but cannot be read: permissions, a directory, a FIFO or device, too large
  NoDevice,    // the runtime lacks what was asked for (CUDA in a CPU-only LibTorch)
  Refused,     // a kind of file that is refused unless allowed (TorchScript)
};

// A model or detector file that cannot be used.
class ModelError : public std::runtime_error {
 public:
  explicit ModelError(const std::string& what, ErrorKind kind = ErrorKind::Invalid)
      : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// The message of an exception without what follows its first line: c10::Error and friends append
// a backtrace, which users do not need.
inline std::string first_line(const std::string& what) { return what.substr(0, what.find('\n')); }

}  // namespace fer
