#include "fer/async_classifier.hpp"

namespace fer {

void AsyncClassifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();  // run() finishes the batch in flight first
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = pending_ = false;
  model_.reset();
  ids_.clear();
  crops_.clear();
  done_.reset();
}

bool AsyncClassifier::submit(std::shared_ptr<const Classifier> model, std::vector<int> track_ids,
                             std::vector<cv::Mat> crops, uint64_t tag, Classifier::Tta tta) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_ || done_) return false;
    model_ = std::move(model);
    ids_ = std::move(track_ids);
    crops_ = std::move(crops);
    tag_ = tag;
    tta_ = tta;
    pending_ = true;
  }
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  cv_.notify_all();
  return true;
}

std::optional<AsyncClassifier::Result> AsyncClassifier::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Result> r = std::move(done_);
  done_.reset();
  return r;
}

bool AsyncClassifier::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !pending_ && !done_;
}

void AsyncClassifier::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !pending_; });
}

void AsyncClassifier::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;  // a batch not yet started is dropped
    auto model = std::move(model_);
    auto crops = std::move(crops_);
    Result r;
    r.tag = tag_;
    const auto tta = tta_;
    r.track_ids = std::move(ids_);
    lock.unlock();
    try {
      r.probs = model->classify(crops, tta);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    model.reset();
    lock.lock();
    done_ = std::move(r);
    pending_ = false;
    cv_.notify_all();
  }
}

}  // namespace fer
