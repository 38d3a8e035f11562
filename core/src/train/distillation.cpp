#include "fer/train/distillation.hpp"

#include <cstdio>
#include <filesystem>
#include <unordered_set>

#include "fer/errors.hpp"
#include "fer/train/split.hpp"
#include "fer/train/trainer.hpp"

namespace fer::train {

torch::Tensor distillation_loss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                                const torch::Tensor& hard_loss, double weight, double temperature) {
  const double t = temperature;
  const auto soft = torch::nn::functional::kl_div(
      torch::log_softmax(student_logits / t, 1), torch::softmax(teacher_logits.detach() / t, 1),
      torch::nn::functional::KLDivFuncOptions().reduction(torch::kBatchMean));
  return (1 - weight) * hard_loss + weight * t * t * soft;
}

namespace {

std::string describe_input(const ModelInfo& m) {
  return std::string(m.channels == 1 ? "grey" : "RGB") + " " + std::to_string(m.input_size) + " px";
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

void check_teacher(const std::string& path, const ModelInfo& teacher, bool described,
                   const std::vector<std::string>& classes, const ModelInfo& student) {
  const std::string what = "--teacher file '" + path + "'";
  if (!described)
    throw ModelError(what + " records no classes or pre-processing (a bare state_dict); a teacher is a model "
                     "file of fer-train or fer-import, trained on this run's classes");
  if (teacher.classes != classes)
    throw ModelError(what + " scores " + joined(teacher.classes) + " but this run trains " + joined(classes) +
                     "; a teacher must be trained on the same classes in the same order (fer-train on this data)");
  if (teacher.channels != student.channels || teacher.input_size != student.input_size)
    throw ModelError(what + " takes " + describe_input(teacher) + " but this run trains at " + describe_input(student) +
                     "; the teacher sees the student's batches as they are, so train the student at the teacher's "
                     "input (--input-size, --grey/--rgb) or pick a teacher made for it");
  for (int c = 0; c < student.channels && c < 3; ++c)
    if (teacher.mean[c] != student.mean[c] || teacher.std[c] != student.std[c])
      throw ModelError(what + " normalises its input with another mean/std than this run (which follows its --init "
                       "file, else the defaults for its colour); start the student from the --init the teacher "
                       "started from, or pick a teacher trained like it");
}

std::string teacher_crop_note(const TrainingCrop& teacher, const TrainingCrop& run) {
  auto said = [](const TrainingCrop& c) {
    char margin[32];
    std::snprintf(margin, sizeof margin, "%g", c.margin);
    return "detector " + c.detector + ", margin " + margin + (c.align ? ", aligned" : "") + (c.border ? ", bordered" : "");
  };
  if (!teacher.recorded || said(teacher) == said(run)) return "";
  return "warning: the teacher learnt from other crops (" + said(teacher) + ") than this run cuts (" + said(run) +
         "), so it judges faces unlike its own; train it with this run's --detector, --margin, --align and --crop-border";
}

long teacher_saw(const std::string& teacher_path, const std::string& split_name,
                 const std::vector<std::pair<std::string, int>>& val) {
  const std::string split = split_name.empty() ? output_stem(teacher_path) + ".split.json"
                                               : (std::filesystem::path(teacher_path).parent_path() / split_name).string();
  if (!std::filesystem::exists(split)) return -1;
  std::unordered_set<std::string> trained;
  for (const auto& [file, label] : read_split(split).train) trained.insert(file);
  long n = 0;
  for (const auto& [file, label] : val) n += trained.count(file);
  return n;
}

}  // namespace fer::train
