#include "distributed.hpp"

#include <stdexcept>

#include "config.h"

#ifdef FER_HAVE_GLOO
#define USE_C10D_GLOO  // LibTorch's headers hide ProcessGroupGloo without it
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace fer::train {

#ifdef FER_HAVE_GLOO

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

Distributed::Distributed(int world_size, int rank, const std::string& master)
    : impl_(std::make_unique<Impl>()), world_(world_size), rank_(rank) {
  const auto colon = master.rfind(':');
  if (colon == std::string::npos || colon + 1 >= master.size())
    throw std::invalid_argument("--master '" + master + "' is not host:port");
  const std::string host = master.substr(0, colon);
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(std::stoi(master.substr(colon + 1)));
  so.isServer = rank == 0;
  so.numWorkers = world_size;
  so.timeout = std::chrono::minutes(5);
  impl_->store = c10::make_intrusive<c10d::TCPStore>(host, so);
  auto options = c10d::ProcessGroupGloo::Options::create();
  // Loopback masters keep the whole run on this machine; otherwise bind to this host's address.
  const bool local = host == "127.0.0.1" || host == "localhost";
  options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
  impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank, world_size, options);
}

void Distributed::average(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  // One flat buffer: one collective per step instead of one per parameter.
  std::vector<torch::Tensor> flat{torch::cat([&] {
    std::vector<torch::Tensor> views;
    for (const auto& t : tensors) views.push_back(t.reshape(-1));
    return views;
  }())};
  impl_->group->allreduce(flat)->wait();
  flat[0].div_(world_);
  int64_t offset = 0;
  for (const auto& t : tensors) {
    t.copy_(flat[0].narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

void Distributed::broadcast(const std::vector<torch::Tensor>& tensors) {
  for (const auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    impl_->group->broadcast(one)->wait();
  }
}

std::vector<double> Distributed::sum(const std::vector<double>& values) {
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  impl_->group->allreduce(t)->wait();
  return std::vector<double>(t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel());
}

#else

struct Distributed::Impl {};

Distributed::Distributed(int, int, const std::string&) {
  throw std::runtime_error("this build has no distributed training: install libgloo-dev (scripts/setup.sh) and rebuild");
}
void Distributed::average(const std::vector<torch::Tensor>&) {}
void Distributed::broadcast(const std::vector<torch::Tensor>&) {}
std::vector<double> Distributed::sum(const std::vector<double>& v) { return v; }

#endif

Distributed::~Distributed() = default;

}  // namespace fer::train
