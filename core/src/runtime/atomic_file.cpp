#include "fer/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fer {

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  {
    errno = 0;  // the cause of a failure below
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      const std::string cause = errno ? std::strerror(errno) : "disk full or no permission?";
      std::remove(tmp.c_str());
      std::error_code ec;
      const bool existed = std::filesystem::exists(path, ec);
      throw std::runtime_error("cannot write '" + tmp + "' (" + cause + "); " +
                               (existed ? "the previous '" + path + "' is unchanged" : "'" + path + "' was not written"));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot move '" + tmp + "' to '" + path + "'");
  }
}

}  // namespace fer
