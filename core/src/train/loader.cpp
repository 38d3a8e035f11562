#include "loader.hpp"

#include <filesystem>

#include "fer/preprocess.hpp"

namespace fer::train {
namespace {

// splitmix64: decorrelates per-image seeds built from consecutive numbers.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

BatchLoader::BatchLoader(const Dataset& data, std::vector<size_t> order, LoaderOptions opts)
    : data_(data), order_(std::move(order)), opts_(opts),
      num_batches_(batch_count(order_.size(), opts.batch_size)) {
  for (int t = 0; t < std::max(1, opts_.workers); ++t) threads_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Batch BatchLoader::make(long b) const {
  const size_t begin = static_cast<size_t>(b) * opts_.batch_size;
  const size_t n = std::min(order_.size() - begin, static_cast<size_t>(opts_.batch_size));
  const int s = opts_.side;
  Batch batch{torch::empty({static_cast<long>(n), opts_.channels, s, s}), torch::empty({static_cast<long>(n)}, torch::kInt64)};
  float* dst = batch.images.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  for (size_t k = 0; k < n; ++k) {
    const size_t index = order_[begin + k];
    const Sample& sample = data_.samples[index];
    cv::Mat image = sample.image;
    if (image.empty()) image = read_image((std::filesystem::path(data_.root) / sample.path).string());
    if (image.empty()) throw DataError("image '" + sample.path + "' could no longer be read during training");
    if (opts_.augment) {
      std::mt19937_64 rng(mix(opts_.seed ^ mix(index)));
      image = augment(image, s, *opts_.augment, rng);
    }
    crop_to_chw(image, s, opts_.mean, opts_.std, dst + k * opts_.channels * s * s, opts_.channels);
    labels[k] = sample.label;
  }
  return batch;
}

void BatchLoader::work() {
  for (;;) {
    long b;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || next_to_make_ < std::min(num_batches_, next_to_take_ + opts_.prefetch); });
      if (stop_) return;
      b = next_to_make_++;
    }
    Batch batch;
    std::exception_ptr error;
    try {
      batch = make(b);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error && !error_) error_ = error;
      ready_[b] = std::move(batch);
    }
    cv_.notify_all();
  }
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_take_ >= num_batches_) return std::nullopt;
  cv_.wait(lock, [&] { return error_ || ready_.count(next_to_take_); });
  if (error_) std::rethrow_exception(error_);
  Batch b = std::move(ready_[next_to_take_]);
  ready_.erase(next_to_take_++);
  lock.unlock();
  cv_.notify_all();
  return b;
}

}  // namespace fer::train
