// fer::train::distillation_loss on the cases test_distill.py sends (one JSON object a line on stdin:
// student and teacher logits, labels, class weights or null, label smoothing, weight, temperature,
// dtype); prints for each the loss and its gradient with respect to the student's logits.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "fer/train/distillation.hpp"

namespace {

torch::Tensor matrix(const nlohmann::json& rows, torch::Dtype dtype) {
  std::vector<double> flat;
  for (const auto& r : rows)
    for (double v : r) flat.push_back(v);
  return torch::tensor(flat, torch::kFloat64).reshape({static_cast<int64_t>(rows.size()), -1}).to(dtype);
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto c = nlohmann::json::parse(line);
    const auto dtype = c.at("dtype") == "float32" ? torch::kFloat32 : torch::kFloat64;
    auto student = matrix(c.at("student"), dtype).requires_grad_(true);
    const auto teacher = matrix(c.at("teacher"), dtype);
    const auto labels = torch::tensor(c.at("labels").get<std::vector<int64_t>>(), torch::kLong);
    // The hard loss as fer-train's step makes it.
    auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(c.at("label_smoothing").get<double>());
    if (!c.at("class_weights").is_null())
      ce.weight(torch::tensor(c.at("class_weights").get<std::vector<double>>(), torch::kFloat64).to(dtype));
    const auto hard = torch::nn::functional::cross_entropy(student, labels, ce);
    const auto loss = fer::train::distillation_loss(student, teacher, hard,
                                                    c.at("weight").get<double>(), c.at("temperature").get<double>());
    loss.backward();
    const auto g = student.grad().to(torch::kFloat64).contiguous();
    nlohmann::json out;
    out["loss"] = loss.item<double>();
    out["grad"] = std::vector<double>(g.data_ptr<double>(), g.data_ptr<double>() + g.numel());
    std::cout << out.dump() << "\n";
  }
  return 0;
}
