// Duplicate-aware, stratified train/validation split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/train/dataset.hpp"

namespace fer::train {

// 64-bit difference hash: grey 9x8 (area resize), bit = left pixel brighter than right.
uint64_t dhash64(const cv::Mat& image);

struct DuplicateGroups {
  std::vector<int> group;          // group id per sample (singletons have their own id)
  int groups_with_copies = 0;      // groups of two or more images
  int images_with_copies = 0;      // images in such groups
  int conflicting_groups = 0;      // groups whose images carry more than one label
  int conflicting_images = 0;      // images in such groups whose label differs from the group's majority
};

// Links images whose hashes are within `max_distance` bits (transitively). max_distance < 0: no grouping.
DuplicateGroups group_duplicates(const std::vector<uint64_t>& hashes, const std::vector<int>& labels,
                                 int max_distance);

// Whole groups go to one side. Per class, groups (by their majority label) are shuffled with `seed`
// and moved to validation until the class's share reaches val_fraction. Returns 1 for validation.
std::vector<int> stratified_group_split(const std::vector<int>& labels, const std::vector<int>& groups,
                                        int num_classes, double val_fraction, uint64_t seed);

// The split beside the model: which files went where, so fer-eval can evaluate the same images.
struct SplitFile {
  std::string data_root;
  std::vector<std::string> classes;
  std::vector<std::pair<std::string, int>> train, val;  // relative path, label
  std::string info_json = "{}";                          // seed, fraction, dedup statistics
};
void write_split(const std::string& path, const SplitFile& split);
SplitFile read_split(const std::string& path);

}  // namespace fer::train
