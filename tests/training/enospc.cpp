// LD_PRELOAD shim for fault tests: write() and writev() to files whose path contains
// $FER_ENOSPC_MATCH fail with ENOSPC ("No space left on device") once $FER_ENOSPC_AFTER bytes
// (default 0) have gone to such files, as on a full disk. Other files are untouched.
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

namespace {

long long written;

bool full(int fd, size_t len) {
  const char* match = getenv("FER_ENOSPC_MATCH");
  if (!match || fd < 3) return false;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  if (!strstr(path, match)) return false;
  const char* after = getenv("FER_ENOSPC_AFTER");
  if (written + static_cast<long long>(len) <= (after ? atoll(after) : 0)) {
    written += static_cast<long long>(len);
    return false;
  }
  errno = ENOSPC;
  return true;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t len) {
  static ssize_t (*real)(int, const void*, size_t);
  if (!real) real = reinterpret_cast<ssize_t (*)(int, const void*, size_t)>(dlsym(RTLD_NEXT, "write"));
  return full(fd, len) ? -1 : real(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  static ssize_t (*real)(int, const struct iovec*, int);
  if (!real) real = reinterpret_cast<ssize_t (*)(int, const struct iovec*, int)>(dlsym(RTLD_NEXT, "writev"));
  size_t len = 0;
  for (int i = 0; i < count; ++i) len += iov[i].iov_len;
  return full(fd, len) ? -1 : real(fd, iov, count);
}

}  // extern "C"
