#include "model_cache.hpp"

#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

namespace feremotion {
namespace {

std::mutex cache_mutex;
std::map<std::tuple<std::string, std::string, std::string, std::string, fer::Precision, bool>,
         std::weak_ptr<fer::Classifier>>
    cache;
int loads = 0;

// Size and modification time: a file replaced under the same name is a new model, so setting
// `model` again after replacing the file loads it instead of handing back the old copy.
std::string file_version(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto time = std::filesystem::last_write_time(path, ec);
  if (ec) return "";  // the load names the problem
  return std::to_string(size) + "@" + std::to_string(time.time_since_epoch().count());
}

}  // namespace

std::shared_ptr<fer::Classifier> acquire_model(const std::string& path, const std::string& device,
                                               const std::string& labels, fer::Precision precision,
                                               bool allow_torchscript) {
  const auto key = std::make_tuple(path, file_version(path), device, labels, precision, allow_torchscript);
  // Loading holds the lock: two elements asking at once must not load twice.
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (auto model = cache[key].lock()) return model;
  fer::LoadOptions opts;
  opts.device = device;
  opts.labels = fer::split_labels(labels);
  opts.precision = precision;
  opts.allow_torchscript = allow_torchscript;
  auto model = fer::Classifier::load(path, opts);
  ++loads;
  cache[key] = model;
  return model;
}

int model_load_count() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return loads;
}

}  // namespace feremotion
