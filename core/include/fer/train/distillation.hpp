// Knowledge distillation (Hinton, Vinyals and Dean 2015): besides the labels, the student learns a
// teacher's softened probabilities, which say what a hard label cannot (how sad a face labelled
// Neutral looks). With a teacher trained on the same data by the same recipe ("born-again"), the
// soft targets also average out some of the labels' noise.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "fer/model_info.hpp"

namespace fer::train {

// (1 - weight) * hard_loss + weight * T^2 * KL(softmax(teacher / T) || softmax(student / T)), the
// KL divergence averaged over the batch: in PyTorch,
//   (1 - w) * hard + w * T * T * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean")
// The temperature softens both distributions; T^2 keeps the soft gradients' scale as T changes.
torch::Tensor distillation_loss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                                const torch::Tensor& hard_loss, double weight, double temperature);

// Throws fer::ModelError naming the mismatch and the fix where the teacher cannot teach this run:
// it must score the run's classes in the run's order and take the student's input (it sees the
// student's augmented batch as it is).
void check_teacher(const std::string& path, const ModelInfo& teacher, bool described,
                   const std::vector<std::string>& classes, const ModelInfo& student);

// Empty, or a warning that the teacher learnt from other crops than this run cuts (it then judges
// faces unlike its own training images, and teaches less).
std::string teacher_crop_note(const TrainingCrop& teacher, const TrainingCrop& run);

// How many of a run's validation images (paths under --data) the teacher trained on, by the split
// file fer-train wrote beside it (`split_name`, as its model file records it; empty: <stem>.split.json):
// a teacher that saw them passes their labels on, and the student's validation accuracy reads high.
// -1 where the teacher has no split file.
long teacher_saw(const std::string& teacher_path, const std::string& split_name,
                 const std::vector<std::pair<std::string, int>>& val);

}  // namespace fer::train
