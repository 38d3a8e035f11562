// Classification metrics, training curves as CSV/JSON/PNG.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fer::train {

struct ConfusionMatrix {
  std::vector<std::string> classes;
  std::vector<std::vector<long>> counts;  // [true][predicted]

  explicit ConfusionMatrix(std::vector<std::string> names = {});
  void add(int truth, int predicted) { ++counts.at(truth).at(predicted); }
  long total() const;
  double accuracy() const;
  // Per class: precision, recall, F1, support.
  struct ClassScores { double precision, recall, f1; long support; };
  std::vector<ClassScores> scores() const;
  double macro_f1() const;
  double macro_recall() const;  // the mean recall of the classes with images (balanced accuracy)
  nlohmann::json to_json() const;
  std::string to_text() const;  // accuracy, per-class table and the matrix, aligned
};

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0, lr = 0;
  double images_per_s = 0, seconds = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EpochRecord, epoch, train_loss, train_acc, val_loss, val_acc, lr, images_per_s,
                                   seconds)

void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history);
// Two panels (loss, accuracy), train and validation curves, as a PNG.
void plot_history(const std::string& path, const std::vector<EpochRecord>& history);

// Writes text to path through a temporary file and a rename.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace fer::train
