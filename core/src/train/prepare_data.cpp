#include "prepare_data.hpp"

#include <atomic>

#include <nlohmann/json.hpp>

#include "fer/train/face_cropper.hpp"

namespace fer::train {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Dataset load_source(const std::string& source, const TrainOptions& opts, const std::vector<std::string>& classes) {
  if (ends_with(source, ".csv")) return read_fer2013_csv(source, parse_fer2013_mapping(opts.fer2013_map));
  return scan_image_folder(source, classes);
}

void report_unreadable(const Dataset& d, const std::function<void(const std::string&)>& log) {
  for (const auto& p : d.unreadable) log("skipped unreadable image: " + d.root + "/" + p);
}

Dataset subset(const Dataset& all, const std::vector<int>& is_val, int side) {
  Dataset out;
  out.root = all.root;
  out.classes = all.classes;
  for (size_t i = 0; i < all.samples.size(); ++i)
    if (is_val[i] == side) out.samples.push_back(all.samples[i]);
  return out;
}

std::vector<std::pair<std::string, int>> listing(const Dataset& d) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& s : d.samples) out.emplace_back(s.path, s.label);
  return out;
}

}  // namespace

PreparedData prepare_data(const TrainOptions& opts, const std::function<void(const std::string&)>& log) {
  auto misses = std::make_shared<std::atomic<long>>(0);
  const ImageTransform crop = face_cropper(opts.detector, opts.detector_model, {opts.margin, opts.align}, opts.crop_border, misses);
  const bool keep = opts.cache || crop;  // cropped faces exist only in memory
  Dataset all = load_source(opts.data, opts, opts.classes);
  if (all.classes.size() < 2)
    throw DataError("'" + opts.data + "' holds one class ('" + all.classes.at(0) +
                    "'): a classifier needs at least two; add a folder per class (DIR/<Class>/*.jpg)");
  decode_images(all, opts.workers, keep, crop);
  report_unreadable(all, log);
  PreparedData out;
  nlohmann::json info;
  info["seed"] = opts.seed;
  info["unreadable"] = all.unreadable;
  if (!opts.val_dir.empty()) {
    out.train = std::move(all);
    out.val = load_source(opts.val_dir, opts, out.train.classes);
    decode_images(out.val, opts.workers, keep, crop);
    report_unreadable(out.val, log);
    info["val_dir"] = opts.val_dir;
    info["train_root"] = out.train.root;  // train paths are relative to it, val paths to data_root
    for (const auto& p : out.val.unreadable) info["unreadable"].push_back(p);
  } else {
    std::vector<int> labels;
    std::vector<uint64_t> hashes;
    for (const auto& s : all.samples) {
      labels.push_back(s.label);
      hashes.push_back(s.dhash);
    }
    const DuplicateGroups dup = group_duplicates(hashes, labels, opts.dedup_distance);
    if (opts.dedup_distance >= 0) {
      log("near-duplicates (dHash distance <= " + std::to_string(opts.dedup_distance) + "): " +
          std::to_string(dup.images_with_copies) + " images in " + std::to_string(dup.groups_with_copies) +
          " groups, " + std::to_string(dup.conflicting_images) + " carry another label than their group (" +
          std::to_string(dup.conflicting_groups) + " groups); each group stays on one side of the split");
    }
    info["dedup"] = {{"max_distance", opts.dedup_distance},         {"groups_with_copies", dup.groups_with_copies},
                     {"images_with_copies", dup.images_with_copies}, {"conflicting_groups", dup.conflicting_groups},
                     {"conflicting_images", dup.conflicting_images}};
    std::vector<int> is_val;
    if (!all.fixed_val.empty()) {
      is_val = all.fixed_val;  // FER2013 brings its own validation rows
      info["split"] = "FER2013 Usage column";
    } else {
      is_val = stratified_group_split(labels, dup.group, static_cast<int>(all.classes.size()), opts.val_split, opts.seed);
      info["val_split"] = opts.val_split;
    }
    out.train = subset(all, is_val, 0);
    out.val = subset(all, is_val, 1);
    out.train.unreadable = all.unreadable;
  }
  if (crop)
    log(std::string(name_of(opts.detector)) + " found no face in " + std::to_string(misses->load()) + " of " +
        std::to_string(out.train.samples.size() + out.val.samples.size()) + " images; those are used whole");
  if (out.val.samples.empty())
    throw DataError("the validation set is empty; raise --val-split or pass --val DIR");
  const auto val_counts = out.val.class_counts(), train_counts = out.train.class_counts();
  for (size_t c = 0; c < val_counts.size(); ++c)
    if (val_counts[c] == 0)
      log("warning: class '" + out.train.classes[c] + "' has no validation image (" + std::to_string(train_counts[c]) +
          " training images): its accuracy is not measured; add images to it, raise --val-split or pass --val DIR");
  out.split.data_root = out.train.root;
  out.split.classes = out.train.classes;
  out.split.train = listing(out.train);
  out.split.val = listing(out.val);
  if (!opts.val_dir.empty()) out.split.data_root = opts.val_dir;  // fer-eval reads val paths from here
  out.split.info_json = info.dump();
  return out;
}

}  // namespace fer::train
