#include "score.hpp"

#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace fer::synth {
namespace {

struct Box {
  cv::Rect rect;
  std::string label;
};

std::map<int64_t, std::vector<Box>> read_frames(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  std::map<int64_t, std::vector<Box>> frames;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      auto& boxes = frames[j.at("frame").get<int64_t>()];
      for (const auto& f : j.at("faces"))
        boxes.push_back({{f.at("x").get<int>(), f.at("y").get<int>(), f.at("width").get<int>(), f.at("height").get<int>()},
                         f.at("label").get<std::string>()});
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("'" + path + "' line " + std::to_string(n) + " is not a results line: " + e.what());
    }
  }
  return frames;
}

double iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  return inter > 0 ? inter / (a.area() + b.area() - inter) : 0;
}

}  // namespace

Score score_results(const std::string& truth_jsonl, const std::string& results_jsonl, double min_iou) {
  const auto truth = read_frames(truth_jsonl);
  const auto results = read_frames(results_jsonl);
  Score s;
  for (const auto& [frame, faces] : truth) {
    ++s.frames;
    s.truth_faces += static_cast<int>(faces.size());
    const auto it = results.find(frame);
    if (it == results.end()) continue;
    std::vector<bool> used(it->second.size(), false);
    for (const auto& t : faces) {
      int best = -1;
      double best_iou = min_iou;
      for (size_t k = 0; k < it->second.size(); ++k) {
        const double v = iou(t.rect, it->second[k].rect);
        if (!used[k] && v >= best_iou) best = static_cast<int>(k), best_iou = v;
      }
      if (best < 0) continue;
      used[best] = true;
      ++s.found;
      if (it->second[best].label == t.label) ++s.labelled_right;
    }
    for (bool u : used) s.false_faces += !u;
  }
  return s;
}

}  // namespace fer::synth
