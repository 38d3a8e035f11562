#include "import_xception.hpp"

#include <algorithm>
#include <set>

#include <torch/torch.h>

#include "fer/errors.hpp"
#include "model/architectures.hpp"
#include "model/network.hpp"
#include "model/state_dict.hpp"

namespace fer {

const std::vector<std::string>& fer2013_classes() {
  static const std::vector<std::string> names{"Anger", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"};
  return names;
}

namespace {

using tfjs::Node;

const std::set<std::string> kOps{"Const", "Placeholder", "_FusedConv2D", "DepthwiseConv2dNative", "MaxPool",
                                 "AddV2", "Relu", "Mean", "Softmax", "Identity"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Walker {
 public:
  explicit Walker(const tfjs::Graph& g) : g_(g) {}

  // Output -> Softmax -> Mean over H, W -> the class-map convolution -> the features.
  void walk() {
    if (g_.outputs.size() != 1)
      throw ModelError("the graph has " + std::to_string(g_.outputs.size()) + " outputs (" + join(g_.outputs) +
                       "); fer-import converts single-output classifiers");
    const Node* n = &use(g_.node(g_.outputs[0]));
    while (n->op == "Identity") n = &input(*n);
    expect(*n, n->op == "Softmax", "the output should be a Softmax");
    const Node& mean = input(*n);
    expect(mean, mean.op == "Mean", "the Softmax should read a Mean (global average pooling)");
    const auto& axes = g_.weight(use(g_.node(mean.inputs.at(1))).name, mean.name).i32;
    expect(mean, axes == std::vector<int32_t>{1, 2}, "the Mean should average over height and width (axes 1, 2)");
    const Node& head = input(mean);
    conv(head, "classifier", "", false, 1, "SAME", 3);
    classes_ = g_.weight(head.inputs.at(2), head.name).shape.at(0);
    blocks_ = features(input(head));
    for (const auto& [name, node] : g_.nodes)
      if (!seen_.count(name))
        throw ModelError("node '" + name + "' (" + node.op + ") is not part of the Xception layout fer-import knows "
                         "(stem, separable blocks, class maps); the graph is another network");
  }

  StateDict sd;
  int blocks_ = 0, input_size = 0, channels = 0;
  int64_t classes_ = 0;

 private:
  const Node& use(const Node& n) {
    seen_.insert(n.name);
    return n;
  }
  const Node& input(const Node& n, size_t i = 0) {
    expect(n, n.inputs.size() > i, "it has no input " + std::to_string(i));
    return use(g_.node(n.inputs[i]));
  }
  static void expect(const Node& n, bool ok, const std::string& what) {
    if (!ok)
      throw ModelError("node '" + n.name + "' (" + n.op + "): " + what +
                       "; fer-import converts FER2013 Xception graphs (oarriaga's big_XCEPTION layout)");
  }

  // Blocks up to and including x; x is a block's sum or the stem's output.
  int features(const Node& x) {
    if (x.op != "AddV2") {
      stem(x);
      return 0;
    }
    expect(x, x.inputs.size() == 2, "a block's sum should have two inputs");
    const Node& a = input(x, 0);
    const Node& b = input(x, 1);
    const Node& pool = a.op == "MaxPool" ? a : b;
    const Node& shortcut = a.op == "MaxPool" ? b : a;
    expect(x, pool.op == "MaxPool", "a block's sum should add a MaxPool and a 1x1 shortcut");
    expect(pool, tfjs::attr_ints(pool, "ksize") == std::vector<int64_t>{1, 3, 3, 1} &&
                     tfjs::attr_ints(pool, "strides") == std::vector<int64_t>{1, 2, 2, 1} &&
                     tfjs::attr_string(pool, "padding") == "SAME",
           "a block's pooling should be 3x3, stride 2, SAME");
    const Node& pw2 = input(pool);
    const Node& dw2 = input(pw2);
    const Node& pw1 = input(dw2);
    const Node& dw1 = input(pw1);
    const Node& src = input(dw1);
    const Node& in = src.op == "Relu" ? input(src) : src;
    // Without the Relu the block's input must be non-negative already (the stem's ReLU output).
    expect(src, src.op == "Relu" || fused_relu(in), "the separable branch should start with a ReLU");
    expect(shortcut, shortcut.inputs.size() == 3 && shortcut.inputs[0] == in.name,
           "the shortcut should read the block's input");
    const int i = features(in);
    const std::string p = "blocks." + std::to_string(i) + ".";
    conv(shortcut, p + "shortcut.0", p + "shortcut.1", false, 2, "SAME", 1);
    depthwise(dw1, p + "sep1.depthwise");
    conv(pw1, p + "sep1.pointwise", p + "bn1", true, 1, "VALID", 1);
    depthwise(dw2, p + "sep2.depthwise");
    conv(pw2, p + "sep2.pointwise", p + "bn2", false, 1, "VALID", 1);
    if (map_ % 2 == 0)  // TF's SAME pooling pads an even map on one side only, PyTorch's on both
      throw ModelError("block " + std::to_string(i + 1) + " pools a " + std::to_string(map_) + "x" +
                       std::to_string(map_) + " map: at this input size TF's and the family's pooling differ; "
                       "only input sizes that keep every pooled map odd (64, 96, 112, ...) convert exactly");
    map_ = (map_ + 1) / 2;
    return i + 1;
  }

  void stem(const Node& second) {
    const Node& first = input(second);
    const Node& placeholder = input(first);
    expect(placeholder, placeholder.op == "Placeholder", "the stem should read the graph's input");
    std::vector<int64_t> dims;
    if (placeholder.attr.contains("shape"))
      for (const auto& d : placeholder.attr["shape"]["shape"].value("dim", nlohmann::json::array()))
        dims.push_back(std::stoll(d.value("size", std::string("-1"))));
    expect(placeholder, dims.size() == 4 && dims[1] == dims[2] && dims[1] > 0 && (dims[3] == 1 || dims[3] == 3),
           "the input should be N x S x S x 1 (grey) or x 3 (RGB)");
    input_size = static_cast<int>(dims[1]);
    channels = static_cast<int>(dims[3]);
    conv(first, "stem.0", "stem.1", true, 2, "VALID", 3);
    conv(second, "stem.3", "stem.4", true, 1, "VALID", 3);
    map_ = (input_size - 3) / 2 + 1 - 2;
  }

  bool fused_relu(const Node& n) const {
    const auto ops = tfjs::attr_strings(n, "fused_ops");
    return n.op == "_FusedConv2D" && std::find(ops.begin(), ops.end(), "Relu") != ops.end();
  }

  void common_attrs(const Node& n, int stride, const std::string& padding) {
    const auto format = tfjs::attr_string(n, "data_format");
    expect(n, format.empty() || format == "NHWC", "data format " + format + " (expected NHWC)");
    const auto dil = tfjs::attr_ints(n, "dilations");
    expect(n, dil.empty() || dil == std::vector<int64_t>{1, 1, 1, 1}, "dilated convolutions are not in the layout");
    expect(n, tfjs::attr_ints(n, "strides") == std::vector<int64_t>{1, stride, stride, 1},
           "stride should be " + std::to_string(stride));
    expect(n, tfjs::attr_string(n, "padding") == padding, "padding should be " + padding);
  }

  // HWIO filter (+ bias) -> OIHW weight; bn "": the bias is the convolution's own, else BatchNorm's
  // offset with unit scale (the converter folded BatchNorm into the filter).
  void conv(const Node& n, const std::string& key, const std::string& bn, bool relu, int stride,
            const std::string& padding, int k) {
    expect(n, n.op == "_FusedConv2D" && n.inputs.size() == 3, "expected a convolution with a bias (_FusedConv2D)");
    const auto ops = tfjs::attr_strings(n, "fused_ops");
    expect(n, ops == (relu ? std::vector<std::string>{"BiasAdd", "Relu"} : std::vector<std::string>{"BiasAdd"}),
           std::string("fused ops should be BiasAdd") + (relu ? ", Relu" : "") + " here, found " + join(ops));
    common_attrs(n, stride, padding);
    const auto& f = g_.weight(use(g_.node(n.inputs[1])).name, n.name);
    const auto& b = g_.weight(use(g_.node(n.inputs[2])).name, n.name);
    expect(n, f.shape.size() == 4 && f.shape[0] == k && f.shape[1] == k && !f.f32.empty(),
           "filter '" + n.inputs[1] + "' should be float32 " + std::to_string(k) + "x" + std::to_string(k) + "xIxO");
    expect(n, b.shape == std::vector<int64_t>{f.shape[3]} && !b.f32.empty(),
           "bias '" + n.inputs[2] + "' should have one float32 per output channel");
    sd[key + ".weight"] = hwio_to_oihw(f);
    const auto bias = torch::from_blob(const_cast<float*>(b.f32.data()), {f.shape[3]}, torch::kFloat32).clone();
    if (bn.empty()) {
      sd[key + ".bias"] = bias;
      return;
    }
    // Identity statistics: (x - 0) / sqrt((1 - eps) + eps) * 1 + offset.
    sd[bn + ".weight"] = torch::ones({f.shape[3]});
    sd[bn + ".bias"] = bias;
    sd[bn + ".running_mean"] = torch::zeros({f.shape[3]});
    sd[bn + ".running_var"] = torch::full({f.shape[3]}, 1.0 - 1e-5);
    sd[bn + ".num_batches_tracked"] = torch::zeros({}, torch::kInt64);
  }

  // H x W x C x 1 depthwise filter -> C x 1 x H x W.
  void depthwise(const Node& n, const std::string& key) {
    expect(n, n.op == "DepthwiseConv2dNative" && n.inputs.size() == 2, "expected a depthwise convolution");
    common_attrs(n, 1, "SAME");
    const auto& f = g_.weight(use(g_.node(n.inputs[1])).name, n.name);
    expect(n, f.shape.size() == 4 && f.shape[0] == 3 && f.shape[1] == 3 && f.shape[3] == 1 && !f.f32.empty(),
           "filter '" + n.inputs[1] + "' should be float32 3x3xCx1 (channel multiplier 1)");
    sd[key + ".weight"] = hwio_to_oihw(f).view({f.shape[2], 1, 3, 3});
  }

  static torch::Tensor hwio_to_oihw(const tfjs::Weight& f) {
    return torch::from_blob(const_cast<float*>(f.f32.data()), f.shape, torch::kFloat32).permute({3, 2, 0, 1}).contiguous();
  }

  const tfjs::Graph& g_;
  std::set<std::string> seen_;
  int map_ = 0;  // side of the feature map entering the next block
};

}  // namespace

ImportResult import_xception(const tfjs::Graph& graph, const ImportOptions& options, const std::string& out_path,
                             const nlohmann::json& source) {
  for (const auto& [name, n] : graph.nodes)
    if (!kOps.count(n.op))
      throw ModelError("node '" + name + "' uses op " + n.op + ", which fer-import does not convert (it knows " +
                       join({kOps.begin(), kOps.end()}) + ": FER2013 Xception graphs)");
  Walker w(graph);
  w.walk();

  std::vector<std::string> names = options.graph_classes;
  if (names.empty()) {
    if (w.classes_ != static_cast<int64_t>(fer2013_classes().size()))
      throw ModelError("the graph has " + std::to_string(w.classes_) + " outputs, not FER2013's 7; name them with "
                       "--graph-classes a,b,c,...");
    names = fer2013_classes();
  }
  if (static_cast<int64_t>(names.size()) != w.classes_)
    throw ModelError("--graph-classes names " + std::to_string(names.size()) + " classes but the graph has " +
                     std::to_string(w.classes_) + " outputs");
  std::vector<std::string> keep = options.keep.empty() ? default_classes() : options.keep;
  if (keep.size() == 1 && lower(keep[0]) == "all") keep = names;
  std::vector<int64_t> rows;
  for (const auto& k : keep) {
    auto it = std::find_if(names.begin(), names.end(), [&](const std::string& n) { return lower(n) == lower(k); });
    if (it == names.end())
      throw ModelError("class '" + k + "' is not one of the model's (" + join(names) + "); pick from those, or all");
    rows.push_back(it - names.begin());
  }
  check_class_names(keep, "--classes");

  ImportResult r;
  for (const auto& n : names)
    if (std::find_if(keep.begin(), keep.end(), [&](const std::string& k) { return lower(k) == lower(n); }) == keep.end())
      r.dropped.push_back(n);
  // Keeping a subset keeps those rows of the class maps: softmax over them is the model's
  // probabilities renormalised over the kept classes.
  const auto index = torch::tensor(rows, torch::kInt64);
  w.sd["classifier.weight"] = w.sd["classifier.weight"].index_select(0, index).contiguous();
  w.sd["classifier.bias"] = w.sd["classifier.bias"].index_select(0, index).contiguous();

  ModelInfo& info = r.info;
  info.arch = infer_architecture(w.sd);
  info.classes.clear();
  for (int64_t row : rows) info.classes.push_back(names[row]);
  info.input_size = w.input_size;
  info.channels = w.channels;
  info.mean = {0.5f, 0.5f, 0.5f};  // FER2013 Xceptions' input rule: (x - 0.5) * 2 on 0..1
  info.std = {0.5f, 0.5f, 0.5f};
  nlohmann::json training{{"imported", source}, {"graph_classes", names}};
  info.training_json = training.dump();
  const auto net = make_network(info.arch, static_cast<int64_t>(rows.size()), w.channels);
  load_state_dict(*net, w.sd);
  save_model_file(out_path, info, *net);
  r.blocks = w.blocks_;
  for (const auto& p : net->parameters()) r.parameters += p.numel();
  return r;
}

}  // namespace fer
