#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fer {

// Every problem found while reading an untrusted checkpoint (.pth) is reported
// as a CheckpointError whose message says what is wrong in plain words; the
// caller prefixes the file name.
class CheckpointError : public std::runtime_error {
 public:
  explicit CheckpointError(const std::string& what) : std::runtime_error(what) {}
};

// Text taken from a hostile file, made safe to embed in an error message:
// non-printable bytes become \xNN and long text is cut off.
inline std::string printable(std::string_view text, size_t max_chars = 80) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace fer
