#include "fer/train/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "fer/image_file.hpp"
#include "fer/model_info.hpp"
#include "fer/train/split.hpp"

namespace fs = std::filesystem;

namespace fer::train {

std::vector<int> Dataset::class_counts() const {
  std::vector<int> n(classes.size(), 0);
  for (const auto& s : samples) ++n.at(s.label);
  return n;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Dataset scan_image_folder(const std::string& dir, const std::vector<std::string>& wanted, const std::string& fix) {
  if (!fs::is_directory(dir))
    throw DataError("data folder '" + dir + "' does not exist; expected DIR/<Class>/*.jpg, one folder per class");
  std::vector<std::string> present;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) present.push_back(e.path().filename().string());
  std::sort(present.begin(), present.end());
  Dataset data;
  data.root = dir;
  data.classes = wanted.empty() ? present : wanted;
  if (data.classes.empty())
    throw DataError("data folder '" + dir + "' has no class sub-folders; expected DIR/<Class>/*.jpg");
  for (size_t c = 0; c < data.classes.size(); ++c) {
    const fs::path folder = fs::path(dir) / data.classes[c];
    if (!fs::is_directory(folder))
      throw DataError("class '" + data.classes[c] + "' has no folder " + folder.string() + " (folders present: " +
                      join(present) + "); create it or " + fix);
    std::vector<std::string> files;
    // A dangling link is kept so that it is reported as unreadable, not silently left out.
    for (const auto& e : fs::directory_iterator(folder))
      if ((e.is_regular_file() || e.is_symlink()) && is_image_file_name(e.path().string())) files.push_back(data.classes[c] + "/" + e.path().filename().string());
    if (files.empty())
      throw DataError("class '" + data.classes[c] + "' is empty: " + folder.string() +
                      " holds no .jpg/.jpeg/.png/.bmp/.webp image; add images or " + fix);
    std::sort(files.begin(), files.end());
    for (auto& f : files) data.samples.push_back({std::move(f), static_cast<int>(c), {}, 0});
  }
  return data;
}

std::map<int, std::string> parse_fer2013_mapping(const std::string& spec) {
  if (spec.empty()) return {{0, "Anger"}, {2, "Fear"}, {3, "Happy"}, {4, "Sad"}, {6, "Neutral"}};
  std::map<int, std::string> m;
  std::stringstream in(spec);
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    int index = -1;
    try {
      if (eq != std::string::npos) index = std::stoi(item.substr(0, eq));
    } catch (const std::exception&) {
    }
    if (index < 0 || index > 6 || eq + 1 >= item.size())
      throw DataError("bad FER2013 mapping entry '" + item + "'; expected INDEX=Class with INDEX 0..6, e.g. 0=Anger,3=Happy");
    m[index] = item.substr(eq + 1);
  }
  return m;
}

Dataset read_fer2013_csv(const std::string& path, const std::map<int, std::string>& mapping, bool test_rows) {
  std::ifstream in(path);
  if (!in) throw DataError("FER2013 CSV '" + path + "' cannot be read; check the path");
  Dataset data;
  data.root = path;
  // Classes in the order of their first mapping index, names deduplicated (two indices may share one).
  for (const auto& [index, name] : mapping)
    if (std::find(data.classes.begin(), data.classes.end(), name) == data.classes.end()) data.classes.push_back(name);
  std::string line;
  if (!std::getline(in, line) || line.rfind("emotion", 0) != 0)
    throw DataError("'" + path + "' is not FER2013's CSV: its first line should be 'emotion,pixels,Usage'");
  long row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    if (c1 == std::string::npos) throw DataError(path + " row " + std::to_string(row) + ": expected emotion,pixels,Usage");
    int emotion = -1;
    try {
      emotion = std::stoi(line.substr(0, c1));
    } catch (const std::exception&) {
    }
    if (emotion < 0 || emotion > 6)
      throw DataError(path + " row " + std::to_string(row) + ": emotion '" + line.substr(0, c1) + "' is not 0..6");
    const std::string usage = c2 == std::string::npos ? "Training" : line.substr(c2 + 1);
    const auto it = mapping.find(emotion);
    if (it == mapping.end() || (usage == "PrivateTest") != test_rows) continue;
    cv::Mat img(48, 48, CV_8U);
    std::stringstream px(line.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1));
    int n = 0;
    for (int v; n < 48 * 48 && px >> v; ++n) {
      if (v < 0 || v > 255) break;
      img.data[n] = static_cast<uint8_t>(v);
    }
    if (n != 48 * 48)
      throw DataError(path + " row " + std::to_string(row) + ": expected 2304 pixel values 0..255 (48x48), read " +
                      std::to_string(n));
    const int label = static_cast<int>(std::find(data.classes.begin(), data.classes.end(), it->second) - data.classes.begin());
    data.samples.push_back({"csv:" + std::to_string(row), label, img, dhash64(img)});
    data.fixed_val.push_back(usage == "PublicTest" ? 1 : 0);
  }
  const auto counts = data.class_counts();
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c] == 0) throw DataError("class '" + data.classes[c] + "' has no row in " + path + "; check the mapping");
  return data;
}

cv::Mat read_image(const std::string& path) {
  // Pixels as stored, as PIL reads them; FIFOs and decompression bombs refused like everywhere.
  return read_image_file(path, kMaxImagePixels, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION).bgr;
}

void decode_images(Dataset& data, int workers, bool keep_pixels, const ImageTransform& crop) {
  std::atomic<size_t> next{0};
  std::vector<char> bad(data.samples.size(), 0);
  auto work = [&] {
    for (size_t i; (i = next++) < data.samples.size();) {
      Sample& s = data.samples[i];
      if (!s.image.empty()) continue;
      cv::Mat img = read_image((fs::path(data.root) / s.path).string());
      if (img.empty()) {
        bad[i] = 1;
        continue;
      }
      if (crop) img = crop(img);
      s.dhash = dhash64(img);
      if (keep_pixels) s.image = img;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, workers); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  std::vector<Sample> kept;
  std::vector<int> kept_val;
  for (size_t i = 0; i < data.samples.size(); ++i) {
    if (bad[i]) {
      data.unreadable.push_back(data.samples[i].path);
      continue;
    }
    kept.push_back(std::move(data.samples[i]));
    if (!data.fixed_val.empty()) kept_val.push_back(data.fixed_val[i]);
  }
  data.samples = std::move(kept);
  data.fixed_val = std::move(kept_val);
  const auto counts = data.class_counts();
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c] == 0)
      throw DataError("class '" + data.classes[c] + "' has no readable image left in " + data.root +
                      " (all were unreadable); replace them or drop the class");
}

}  // namespace fer::train
