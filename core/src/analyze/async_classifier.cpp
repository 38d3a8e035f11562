#include "fer/async_classifier.hpp"

namespace fer {

AsyncClassifier::AsyncClassifier() : worker_([this] { run(); }) {}

AsyncClassifier::~AsyncClassifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

bool AsyncClassifier::submit(std::shared_ptr<const Classifier> model, std::vector<int> track_ids,
                             std::vector<cv::Mat> crops) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_ || done_) return false;
    model_ = std::move(model);
    ids_ = std::move(track_ids);
    crops_ = std::move(crops);
    pending_ = true;
  }
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
    if (stop_) return;
    auto model = model_;
    auto crops = std::move(crops_);
    Result r;
    r.track_ids = std::move(ids_);
    lock.unlock();
    try {
      r.probs = model->classify(crops);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    lock.lock();
    model_.reset();
    done_ = std::move(r);
    pending_ = false;
    cv_.notify_all();
  }
}

}  // namespace fer
