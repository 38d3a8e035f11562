// Every architecture the core builds, trains and runs, by name: the one place that tells the
// ResNets and the Xceptions apart (the loader, the trainer and --init go through it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emotion_net.hpp"
#include "runtime/onednn_graph.hpp"
#include "state_dict.hpp"

namespace fer {

// "resnet18", ..., "xception2", "xception3".
std::vector<std::string> architecture_names();
// Throws std::invalid_argument naming the known architectures.
std::shared_ptr<EmotionNet> make_network(const std::string& arch, int64_t num_classes, int64_t in_channels);

// What a state dict holds, from its keys and shapes; throws std::runtime_error saying what was
// found where no known architecture fits.
std::string infer_architecture(const StateDict& sd);
int64_t infer_num_classes(const StateDict& sd);
int64_t infer_input_channels(const StateDict& sd);

// The fast inference copy, or nullptr where there is none (an Xception off the CPU: it then runs
// as the module). numerics: f32, bf16, int8 (with its calibration), or f32 observing ranges.
std::unique_ptr<FoldedNet> fold_network(const std::string& arch, const StateDict& sd,
                                        const onednn::Numerics& numerics, torch::Device device);

}  // namespace fer
