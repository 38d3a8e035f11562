// Data-parallel training across processes with c10d's ProcessGroupGloo and a TCPStore rendezvous.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace fer::train {

class Distributed {
 public:
  // master "host:port": rank 0 serves the store there, the others connect to it.
  Distributed(int world_size, int rank, const std::string& master);
  ~Distributed();

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  // Gradients summed over ranks and divided by the world size (DistributedDataParallel's mean).
  void average(const std::vector<torch::Tensor>& tensors);
  // Rank 0's values everywhere (initial weights, BatchNorm statistics).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // Sums of plain numbers (loss sums, counts) over ranks.
  std::vector<double> sum(const std::vector<double>& values);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int world_ = 1, rank_ = 0;
};

}  // namespace fer::train
