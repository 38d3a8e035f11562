// Classification on a worker thread, so a live stream's thread never waits for the network:
// one batch in flight at a time; the caller submits when idle and collects when done.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/classifier.hpp"

namespace fer {

class AsyncClassifier {
 public:
  struct Result {
    uint64_t tag = 0;  // what the batch was submitted with
    std::vector<int> track_ids;
    std::vector<std::vector<float>> probs;  // empty when classification failed
    std::string error;
  };

  AsyncClassifier() = default;
  ~AsyncClassifier() { stop(); }
  AsyncClassifier(const AsyncClassifier&) = delete;
  AsyncClassifier& operator=(const AsyncClassifier&) = delete;

  // False (and nothing done) while a batch is in flight or a result waits to be taken. The worker
  // thread starts with the first batch.
  // `tag` comes back with the result (the caller's generation, so a stale result can be told apart).
  // `tta` is passed to Classifier::classify.
  bool submit(std::shared_ptr<const Classifier> model, std::vector<int> track_ids, std::vector<cv::Mat> crops,
              uint64_t tag = 0, Classifier::Tta tta = Classifier::Tta::None);
  // The finished batch, if any.
  std::optional<Result> take();
  bool idle() const;
  // Blocks until the batch in flight is done (tests, draining).
  void wait();
  // Waits for the batch in flight, ends the worker thread and drops any result: nothing of this
  // object runs after it returns (a process may exit). A later submit starts a new worker.
  void stop();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false, pending_ = false;
  std::shared_ptr<const Classifier> model_;
  std::vector<int> ids_;
  uint64_t tag_ = 0;
  Classifier::Tta tta_ = Classifier::Tta::None;
  std::vector<cv::Mat> crops_;
  std::optional<Result> done_;
  std::thread worker_;  // touched only by the owner's thread (submit, stop)
};

}  // namespace fer
