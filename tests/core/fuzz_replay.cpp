// Replays the fuzzer's corpus and every crash it ever found through the loader of a normal
// build (no libFuzzer): each input must load or be refused cleanly (fuzz_model_loader.cpp
// aborts otherwise). Usage: fuzz_replay DIR...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FER_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define FER_ASAN 1
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
#ifndef FER_ASAN  // ASan reserves terabytes of address space for its shadow
  // As on a machine with 8 GB: LibTorch's TorchScript reader asks for 16 GB on one damaged
  // archive (fuzz_crashes/oom-*), which must be a clean error there too, not an OOM kill here.
  const rlimit limit{8ull << 30, 8ull << 30};
  setrlimit(RLIMIT_AS, &limit);
#endif
  LLVMFuzzerInitialize(&argc, &argv);
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::is_directory(argv[i])) {
      std::fprintf(stderr, "fuzz_replay: '%s' is not a directory\n", argv[i]);
      return 1;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(argv[i]))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::printf("%s (%zu bytes)\n", f.c_str(), bytes.size());
      std::fflush(stdout);  // the last name printed is the input that crashed, if one does
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("%zu inputs replayed, none crashed\n", replayed);
  return replayed > 0 ? 0 : 1;
}
