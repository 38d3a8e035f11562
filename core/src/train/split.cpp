#include "fer/train/split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/train/metrics.hpp"

namespace fer::train {

uint64_t dhash64(const cv::Mat& image) {
  cv::Mat grey, small;
  if (image.channels() == 1) grey = image;
  else cv::cvtColor(image, grey, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  cv::resize(grey, small, {9, 8}, 0, 0, cv::INTER_AREA);
  uint64_t h = 0;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) h = (h << 1) | (small.at<uint8_t>(y, x) > small.at<uint8_t>(y, x + 1) ? 1u : 0u);
  return h;
}

namespace {

int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

// The most frequent label of each group (ties: the smallest label).
std::vector<int> majority_labels(const std::vector<int>& labels, const std::vector<int>& groups, int num_groups) {
  int num_labels = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<std::vector<int>> votes(num_groups, std::vector<int>(num_labels, 0));
  for (size_t i = 0; i < labels.size(); ++i) ++votes[groups[i]][labels[i]];
  std::vector<int> major(num_groups);
  for (int g = 0; g < num_groups; ++g)
    major[g] = static_cast<int>(std::max_element(votes[g].begin(), votes[g].end()) - votes[g].begin());
  return major;
}

}  // namespace

DuplicateGroups group_duplicates(const std::vector<uint64_t>& hashes, const std::vector<int>& labels,
                                 int max_distance) {
  const int n = static_cast<int>(hashes.size());
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  if (max_distance >= 0)
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        if (__builtin_popcountll(hashes[i] ^ hashes[j]) <= max_distance) parent[find_root(parent, j)] = find_root(parent, i);
  // Dense group ids in order of first appearance.
  DuplicateGroups out;
  out.group.assign(n, -1);
  std::vector<int> id_of_root(n, -1), size;
  for (int i = 0; i < n; ++i) {
    int& id = id_of_root[find_root(parent, i)];
    if (id < 0) {
      id = static_cast<int>(size.size());
      size.push_back(0);
    }
    out.group[i] = id;
    ++size[id];
  }
  const auto major = majority_labels(labels, out.group, static_cast<int>(size.size()));
  std::vector<char> conflicting(size.size(), 0);
  for (int i = 0; i < n; ++i)
    if (labels[i] != major[out.group[i]]) {
      conflicting[out.group[i]] = 1;
      ++out.conflicting_images;
    }
  for (size_t g = 0; g < size.size(); ++g) {
    if (size[g] > 1) {
      ++out.groups_with_copies;
      out.images_with_copies += size[g];
    }
    out.conflicting_groups += conflicting[g];
  }
  return out;
}

std::vector<int> stratified_group_split(const std::vector<int>& labels, const std::vector<int>& groups,
                                        int num_classes, double val_fraction, uint64_t seed) {
  const int num_groups = groups.empty() ? 0 : *std::max_element(groups.begin(), groups.end()) + 1;
  std::vector<int> size(num_groups, 0);
  for (int g : groups) ++size[g];
  const auto major = majority_labels(labels, groups, num_groups);
  std::vector<std::vector<int>> by_class(num_classes);
  std::vector<int> class_total(num_classes, 0);
  for (int g = 0; g < num_groups; ++g) {
    by_class[major[g]].push_back(g);
    class_total[major[g]] += size[g];
  }
  std::vector<char> group_val(num_groups, 0);
  for (int c = 0; c < num_classes; ++c) {
    // One generator per class, so adding a class leaves the others' split unchanged.
    std::mt19937_64 rng(seed * 1000003u + static_cast<uint64_t>(c));
    std::shuffle(by_class[c].begin(), by_class[c].end(), rng);
    const double target = val_fraction * class_total[c];
    int taken = 0;
    for (int g : by_class[c]) {
      if (taken >= std::lround(target)) break;
      // A big group that would overshoot more than it helps stays in training.
      if (taken + size[g] - target > target - taken) continue;
      group_val[g] = 1;
      taken += size[g];
    }
  }
  std::vector<int> is_val(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) is_val[i] = group_val[groups[i]];
  return is_val;
}

void write_split(const std::string& path, const SplitFile& split) {
  nlohmann::json j;
  j["data_root"] = split.data_root;
  j["classes"] = split.classes;
  j["info"] = nlohmann::json::parse(split.info_json);
  for (const auto& [name, list] : {std::pair{"train", &split.train}, std::pair{"val", &split.val}}) {
    auto arr = nlohmann::json::array();
    for (const auto& [p, l] : *list) arr.push_back({p, l});
    j[name] = arr;
  }
  write_text_atomically(path, j.dump(1) + "\n");
}

SplitFile read_split(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("split file '" + path + "' cannot be read; fer-train writes it as <model>.split.json");
  SplitFile s;
  try {
    const auto j = nlohmann::json::parse(in);
    s.data_root = j.at("data_root").get<std::string>();
    s.classes = j.at("classes").get<std::vector<std::string>>();
    s.info_json = j.value("info", nlohmann::json::object()).dump();
    for (const auto& e : j.at("train")) s.train.emplace_back(e.at(0).get<std::string>(), e.at(1).get<int>());
    for (const auto& e : j.at("val")) s.val.emplace_back(e.at(0).get<std::string>(), e.at(1).get<int>());
  } catch (const nlohmann::json::exception& e) {
    throw DataError("split file '" + path + "' is not one fer-train wrote: " + e.what());
  }
  return s;
}

}  // namespace fer::train
