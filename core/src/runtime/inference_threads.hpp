// The threads networks run on: the intra-op team size and denormal flushing, for LibTorch's and
// oneDNN's networks alike.
#pragma once

namespace fer {

// Intra-op threads of every thread that runs inference (0: one per CPU).
void set_inference_threads(int threads);

// Called by every thread before it runs a network: the intra-op team size (per calling thread in
// OpenMP) and flushing denormals.
void prepare_inference_thread();

}  // namespace fer
