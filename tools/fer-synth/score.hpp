// How well a run found and labelled the faces of a fer-synth video: its ground truth against the
// element's results-file, frame by frame.
#pragma once

#include <string>

namespace fer::synth {

struct Score {
  int frames = 0, truth_faces = 0, found = 0, false_faces = 0, labelled_right = 0;
  double recall() const { return truth_faces ? static_cast<double>(found) / truth_faces : 0; }
  double precision() const { return found + false_faces ? static_cast<double>(found) / (found + false_faces) : 0; }
  double label_accuracy() const { return found ? static_cast<double>(labelled_right) / found : 0; }
};

// A face counts as found when a result box overlaps it with IoU >= min_iou (each box used once).
// Throws std::runtime_error naming the file when one cannot be read.
Score score_results(const std::string& truth_jsonl, const std::string& results_jsonl, double min_iou = 0.5);

}  // namespace fer::synth
