#include "fer/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fer/errors.hpp"

namespace fer {
namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Opens `path` for reading without blocking (O_NONBLOCK: a FIFO with no writer would block
// open() itself) and checks what it is on the opened descriptor, so nothing can swap it between
// the check and the read.
Fd open_checked(const std::string& path, const std::string& what, uint64_t max_bytes, uint64_t* size) {
  const std::string named = what + " '" + path + "'";
  Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      throw ModelError(named + " does not exist; check the path", ErrorKind::NotFound);
    throw ModelError(named + " cannot be opened (" + std::strerror(err) + "); check its permissions",
                     ErrorKind::Unreadable);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw ModelError(named + " cannot be read (" + std::strerror(errno) + ")", ErrorKind::Unreadable);
  if (!S_ISREG(st.st_mode))
    throw ModelError(named + " is " + file_type(st.st_mode) + ", not a file; name the " + what + " itself",
                     ErrorKind::Unreadable);
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw ModelError(named + " is " + std::to_string(st.st_size >> 20) + " MiB, more than the " +
                         std::to_string(max_bytes >> 20) + " MiB limit; it is not a " + what +
                         " (the largest real ones are a few hundred MiB)",
                     ErrorKind::Unreadable);
  *size = static_cast<uint64_t>(st.st_size);
  return f;
}

}  // namespace

void check_input_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
  uint64_t size = 0;
  open_checked(path, what, max_bytes, &size);
}

std::string read_input_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
  uint64_t size = 0;
  const Fd f = open_checked(path, what, max_bytes, &size);
  std::string bytes(size, '\0');
  uint64_t got = 0;
  while (got < size) {  // a file that shrinks meanwhile ends early; one that grows is cut at its checked size
    const ssize_t n = ::read(f.fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw ModelError(what + " '" + path + "' cannot be read (" + std::strerror(errno) + ")", ErrorKind::Unreadable);
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace fer
