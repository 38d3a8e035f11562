#include "model_cache.hpp"

#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

namespace feremotion {
namespace {

std::mutex cache_mutex;
std::map<std::tuple<std::string, std::string, std::string, std::string>, std::weak_ptr<fer::Classifier>> cache;
int loads = 0;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

std::shared_ptr<fer::Classifier> acquire_model(const std::string& path, const std::string& device,
                                               const std::string& labels, const std::string& precision) {
  const auto key = std::make_tuple(path, device, labels, precision);
  // Loading holds the lock: two elements asking at once must not load twice.
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (auto model = cache[key].lock()) return model;
  fer::LoadOptions opts;
  opts.device = device;
  opts.labels = split(labels);
  opts.precision = precision;
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
