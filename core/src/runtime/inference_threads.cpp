#include "runtime/inference_threads.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <ATen/Parallel.h>
#include <ATen/Context.h>

namespace fer {

namespace {

// The thread count wanted for inference: 0 = one per CPU.
std::atomic<int> g_threads{0};

// OpenMP keeps the team size per calling thread, and its default here is one thread (libgomp
// reports omp_get_max_threads() = 1 on the 2-CPU machine; PyTorch then runs on one core too):
// ResNet50 took 59.8 ms a face in the element against 43.3 on two. So every inferring thread
// (GStreamer's streaming thread, the async worker, a tool's main thread) sets it when it differs.
void use_inference_threads() {
  const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int want = g_threads.load() > 0 ? g_threads.load() : cpus;
  if (at::get_num_threads() != want) at::set_num_threads(want);
}

// Untrained and some trained weights drive activations into denormal floats, which x86 computes
// ~100x slower (measured: ResNet50 3.8 s instead of 28 ms). Flushing them to zero changes no result
// that matters; MXCSR is per thread, so set it on every intra-op worker, cheaply, on every call.
void flush_denormals_on_all_threads() {
  at::parallel_for(0, at::get_num_threads(), 1, [](int64_t, int64_t) { at::globalContext().setFlushDenormal(true); });
  at::globalContext().setFlushDenormal(true);
}

}  // namespace

void prepare_inference_thread() {
  use_inference_threads();
  flush_denormals_on_all_threads();
}

void set_inference_threads(int threads) {
  g_threads = std::max(0, threads);
  use_inference_threads();
}

}  // namespace fer
