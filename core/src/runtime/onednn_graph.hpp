// A straight-line network on oneDNN (the library under LibTorch's CPU convolutions), built once per
// input shape and run without LibTorch: float activations in one blocked layout (nChw16c, or
// nChw8c without AVX-512), int8 ones channels-last, ReLU and residual sums fused into the
// convolutions, weights packed once, nothing allocated per call. Through LibTorch the same
// operators cost a dispatch, an allocation and a separate pass for each ReLU and add (a quarter of
// a bf16 ResNet50's time at batch 1). Used by YuNet, the ResNets and the Xceptions; in fp32, bf16
// or int8 (docs/int8.md).
#pragma once

#include <array>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace fer::onednn {

using dnnl::memory;

// A convolution's weights as PyTorch and ONNX store them: fp32, OIHW (O x I/groups x k x k).
struct ConvWeights {
  std::vector<float> w, b;
  int out = 0, in = 0, k = 1, stride = 1, groups = 1;  // in: per group
  int pad = -1;  // on every side; -1: k/2 ("same" at stride 1)
  std::string name;   // the PyTorch module's ("layer1.0.conv1"): keys the int8 calibration
  bool int8 = true;   // false: stays in fp32 in an int8 graph (a stem or class head that keeps labels)
};

// int8 (post-training quantisation for VNNI): weights symmetric per output channel (max |w| / 127),
// activations u8 where they are all >= 0 (after a ReLU) and s8 elsewhere, each tensor's real value
// its integer times max / 255 (u8) or max / 127 (s8), where max is the calibrated largest |value|
// of the named convolution's output. Everything else (pooling, ReLU, sums) keeps the integers.
using ActivationMax = std::map<std::string, float>;

// What a graph computes in.
struct Numerics {
  memory::data_type type = memory::data_type::f32;  // f32, bf16, or s8: int8 (ConvWeights::int8 convs)
  ActivationMax calibrated;  // s8: the output max of every int8 convolution and of what feeds one
  bool observe = false;      // f32: record each named convolution's largest |output| on every run
};

// Per output channel max |w| / 127 (1 for an all-zero channel): the int8 weights' scales.
std::vector<float> int8_weight_scales(const ConvWeights& c);

// For an int8 numerics: throws std::runtime_error naming the first of these convolutions whose
// output range the calibration lacks (a file calibrated for another network, or edited), so that a
// model fails when loaded rather than on its first face.
void require_calibration(const Numerics& numerics, const std::vector<const ConvWeights*>& convs);

// The engine, its stream and the packed weights, shared by the graphs of one network (one per
// input shape): a weight is packed once per layout oneDNN asks for, whatever the batch size.
class Context {
 public:
  memory packed(const ConvWeights& c, const memory::desc& want);
  // The activations' memory of whichever graph runs, grown to the largest: the graphs of a
  // network run one at a time, so they share it.
  char* arena(size_t bytes);

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};

 private:
  std::vector<std::pair<const float*, memory>> packed_;
  std::unique_ptr<char, void (*)(void*)> arena_{nullptr, &std::free};
  size_t arena_bytes_ = 0;
};

class Graph {
 public:
  // type: f32 or bf16, the activations' and weights' type.
  Graph(memory::data_type type, std::shared_ptr<Context> context);
  Graph(Numerics numerics, std::shared_ptr<Context> context);

  // The caller's buffer, set per run with memory::set_data_handle.
  memory external(const memory::dims& dims, memory::data_type type, memory::format_tag tag);
  // src converted into a new buffer in the given layout, of the graph's float type unless given.
  memory reorder(const memory& src, memory::format_tag tag, std::optional<memory::data_type> type = {});
  // Convolution (padding c.pad; no bias where c.b is empty), then, in order: + the values already in `accumulate` (which then
  // receives the result: a residual sum), ReLU. f32_out: the result in fp32 whatever the type.
  // In an int8 graph an int8 convolution quantises a float src and writes u8 (ReLU) or s8; a float
  // one takes its src back to fp32.
  memory conv(const ConvWeights& c, const memory& src, bool relu, const memory* accumulate = nullptr,
              bool f32_out = false);
  memory max_pool(const memory& src, int kernel, int stride, int padding);
  memory relu(const memory& src);
  // Mean over each channel's whole map: N x C x 1 x 1, fp32, plain (nchw).
  memory global_avg_pool(const memory& src);
  // fine + coarse upsampled x2 by nearest neighbour.
  memory upsample_add(const memory& fine, const memory& coarse);

  // m (an output read after run()) keeps its own memory to the end of the run.
  void keep(const memory& m);

  // Runs every step on the calling thread's OpenMP team and waits.
  void run();

  // Bytes of activations after sharing (known after the first run), and before it.
  size_t arena_bytes() const { return arena_bytes_; }
  size_t unshared_bytes() const;

  // Numerics::observe: each named convolution's output (fp32) as it was written, read after run().
  const std::vector<std::pair<std::string, memory>>& observed() const { return observed_; }

 private:
  struct Step {
    dnnl::primitive prim;
    std::unordered_map<int, memory> args;
  };
  // An activation: placed in the context's arena before the first run, sharing bytes with those
  // whose last use comes before its first (a ResNet50 keeps ~3 of its ~70 maps alive at a time).
  struct Buffer {
    memory m;
    size_t bytes, offset = 0, first, last;
    std::vector<memory> aliases;  // the same bytes read as another type
  };
  memory make(const memory::desc& d);
  // The same bytes as m read as another type of the same size (u8 over s8): one buffer.
  memory alias(const memory& m, memory::data_type type);
  void push(dnnl::primitive prim, std::unordered_map<int, memory> args);
  void place();
  memory conv_int8(const ConvWeights& c, const memory& src, bool relu, const memory* accumulate, bool f32_out);
  // m as int8 (u8 where it is >= 0) or as fp32: itself where it is already, else a scaling reorder, made once.
  memory to_int8(const memory& m);
  memory to_float(const memory& m);
  // The real value of one step of m's integers; its calibrated max |value| (0: unknown).
  float step_of(const memory& m) const;
  float max_of(const memory& m) const;
  float calibrated(const std::string& name) const;

  Numerics num_;
  memory::data_type type_;  // of float activations: f32 or bf16 (f32 in an int8 graph)
  std::shared_ptr<Context> ctx_;
  std::vector<Step> steps_;
  std::vector<Buffer> buffers_;
  struct Range {
    float max;    // calibrated max |value|
    bool nonneg;  // all >= 0 (after a ReLU): u8 as int8
  };
  std::unordered_map<dnnl_memory_t, Range> ranges_;  // of the activations of an int8 graph
  std::vector<std::pair<dnnl_memory_t, memory>> converted_;  // to_int8 / to_float, made once per source
  std::vector<std::pair<std::string, memory>> observed_;
  size_t arena_bytes_ = 0;
  bool placed_ = false;
  char* base_ = nullptr;  // the arena the buffers point into
};

// The graphs of one network, one per input shape (N, C, H, W), built on first use, sharing the
// packed weights and one activation arena. One caller at a time: a graph owns its buffers.
class GraphCache {
 public:
  explicit GraphCache(Numerics numerics) : numerics_(std::move(numerics)) {}
  // Adds the network's steps onto `input` (fp32 nchw) and returns the output memory run() reads.
  using Build = std::function<memory(Graph& g, const memory& input)>;
  // Runs the graph for this shape on `input` (fp32 NCHW, contiguous), building it first, and hands
  // the output to `read` while no other caller can touch it.
  void run(const float* input, const std::array<int64_t, 4>& shape, const Build& build,
           const std::function<void(const float* output)>& read);
  // Numerics::observe: per named convolution, its largest |output| on each run so far.
  std::map<std::string, std::vector<float>> observed() const;

 private:
  struct Plan {
    std::unique_ptr<Graph> graph;
    memory input, output;
  };
  Numerics numerics_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<float>> observed_;
  std::shared_ptr<Context> context_ = std::make_shared<Context>();
  std::map<std::array<int64_t, 4>, Plan> plans_;
};

}  // namespace fer::onednn
