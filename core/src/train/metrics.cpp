#include "fer/train/metrics.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "fer/atomic_file.hpp"
#include "fer/train/dataset.hpp"

namespace fer::train {

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> names)
    : classes(std::move(names)), counts(classes.size(), std::vector<long>(classes.size(), 0)) {}

long ConfusionMatrix::total() const {
  long n = 0;
  for (const auto& row : counts)
    for (long v : row) n += v;
  return n;
}

double ConfusionMatrix::accuracy() const {
  long right = 0;
  for (size_t i = 0; i < counts.size(); ++i) right += counts[i][i];
  const long n = total();
  return n ? static_cast<double>(right) / n : 0.0;
}

std::vector<ConfusionMatrix::ClassScores> ConfusionMatrix::scores() const {
  std::vector<ClassScores> out;
  for (size_t c = 0; c < counts.size(); ++c) {
    long predicted = 0, support = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      predicted += counts[k][c];
      support += counts[c][k];
    }
    const double tp = static_cast<double>(counts[c][c]);
    const double p = predicted ? tp / predicted : 0.0, r = support ? tp / support : 0.0;
    out.push_back({p, r, p + r > 0 ? 2 * p * r / (p + r) : 0.0, support});
  }
  return out;
}

double ConfusionMatrix::macro_f1() const {
  const auto s = scores();
  double sum = 0;
  for (const auto& x : s) sum += x.f1;
  return s.empty() ? 0.0 : sum / s.size();
}

// Over the classes the data has (sklearn's balanced accuracy): a class without images has no recall.
double ConfusionMatrix::macro_recall() const {
  double sum = 0;
  int present = 0;
  for (const auto& x : scores())
    if (x.support > 0) {
      sum += x.recall;
      ++present;
    }
  return present ? sum / present : 0.0;
}

nlohmann::json ConfusionMatrix::to_json() const {
  nlohmann::json j;
  j["accuracy"] = accuracy();
  j["macro_f1"] = macro_f1();
  j["macro_recall"] = macro_recall();
  j["images"] = total();
  j["classes"] = classes;
  j["confusion_matrix"] = counts;
  const auto s = scores();
  for (size_t c = 0; c < s.size(); ++c)
    j["per_class"][classes[c]] = {{"precision", s[c].precision}, {"recall", s[c].recall}, {"f1", s[c].f1},
                                  {"support", s[c].support}};
  return j;
}

std::string ConfusionMatrix::to_text() const {
  std::ostringstream o;
  char buf[160];
  std::snprintf(buf, sizeof buf, "accuracy %.2f%% on %ld images, macro recall %.3f, macro F1 %.3f\n\n", 100 * accuracy(),
                total(), macro_recall(), macro_f1());
  o << buf;
  std::snprintf(buf, sizeof buf, "%-12s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1", "support");
  o << buf;
  const auto s = scores();
  for (size_t c = 0; c < s.size(); ++c) {
    std::snprintf(buf, sizeof buf, "%-12s %9.3f %9.3f %9.3f %8ld\n", classes[c].c_str(), s[c].precision, s[c].recall,
                  s[c].f1, s[c].support);
    o << buf;
  }
  o << "\nconfusion matrix (rows: true class, columns: predicted)\n" << std::string(12, ' ');
  for (const auto& name : classes) o << ' ' << std::string(name.size() < 8 ? 8 - name.size() : 0, ' ') << name.substr(0, 8);
  o << '\n';
  for (size_t r = 0; r < counts.size(); ++r) {
    std::snprintf(buf, sizeof buf, "%-12s", classes[r].substr(0, 12).c_str());
    o << buf;
    for (long v : counts[r]) {
      std::snprintf(buf, sizeof buf, " %8ld", v);
      o << buf;
    }
    o << '\n';
  }
  return o.str();
}

void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history) {
  std::ostringstream o;
  o << "epoch,train_loss,train_acc,val_loss,val_acc,lr,images_per_s,seconds\n";
  char buf[256];
  for (const auto& r : history) {
    std::snprintf(buf, sizeof buf, "%d,%.6f,%.6f,%.6f,%.6f,%.3g,%.2f,%.1f\n", r.epoch, r.train_loss, r.train_acc,
                  r.val_loss, r.val_acc, r.lr, r.images_per_s, r.seconds);
    o << buf;
  }
  write_text_atomically(path, o.str());
}

void write_text_atomically(const std::string& path, const std::string& text) {
  try {
    write_file_atomically(path, text);
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
}

}  // namespace fer::train
