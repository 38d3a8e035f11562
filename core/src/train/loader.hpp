// Batches prepared ahead of the training step on worker threads: decode (unless cached),
// augment, normalise into one N x 3 x S x S tensor.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "fer/train/augment.hpp"
#include "fer/train/dataset.hpp"

namespace fer::train {

struct Batch {
  torch::Tensor images;  // float N x 3 x S x S
  torch::Tensor labels;  // int64 N
};

struct LoaderOptions {
  int batch_size = 32;
  int side = 224;
  const AugmentOptions* augment = nullptr;  // nullptr: resize and normalise only (validation)
  int channels = 3;  // 1: grey
  std::array<float, 3> mean{}, std{};
  uint64_t seed = 0;  // with the sample index, seeds each image's augmentation
  int workers = 2;
  int prefetch = 4;   // batches kept ready
};

// Batches of at most batch_size that `images` make (the last one may be short).
inline long batch_count(size_t images, int batch_size) {
  return (static_cast<long>(images) + batch_size - 1) / batch_size;
}

class BatchLoader {
 public:
  BatchLoader(const Dataset& data, std::vector<size_t> order, LoaderOptions opts);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  long batches() const { return num_batches_; }
  // Batches in order; nullopt after the last one.
  std::optional<Batch> next();

 private:
  void work();
  Batch make(long b) const;

  const Dataset& data_;
  std::vector<size_t> order_;
  LoaderOptions opts_;
  long num_batches_;
  std::mutex mutex_;
  std::condition_variable cv_;
  long next_to_make_ = 0, next_to_take_ = 0;
  bool stop_ = false;
  std::map<long, Batch> ready_;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace fer::train
