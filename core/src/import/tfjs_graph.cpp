#include "tfjs_graph.hpp"

#include <cstring>
#include <numeric>

#include "fer/errors.hpp"

namespace fer::tfjs {
namespace {

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const auto pos = chars.find(c);
    if (pos == std::string::npos) break;  // '=' padding ends it
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string node_name(std::string input) {
  if (!input.empty() && input[0] == '^') input.erase(0, 1);
  if (const auto colon = input.find(':'); colon != std::string::npos) input.resize(colon);
  return input;
}

int64_t element_count(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

}  // namespace

const Node& Graph::node(const std::string& name) const {
  const auto it = nodes.find(name);
  if (it == nodes.end()) throw ModelError("the graph names node '" + name + "' as an input but has no such node");
  return it->second;
}

const Weight& Graph::weight(const std::string& name, const std::string& used_by) const {
  const auto it = weights.find(name);
  if (it == weights.end())
    throw ModelError("weight '" + name + "' (used by node '" + used_by +
                     "') is missing from the weights manifest; the .json and .bin do not belong together");
  return it->second;
}

std::vector<std::string> Graph::consumers(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [n, node] : nodes)
    for (const auto& in : node.inputs)
      if (in == name) out.push_back(n);
  return out;
}

std::string attr_string(const Node& n, const std::string& key) {
  const auto it = n.attr.find(key);
  if (it == n.attr.end() || !it->contains("s")) return "";
  return base64_decode((*it)["s"].get<std::string>());
}

std::vector<int64_t> attr_ints(const Node& n, const std::string& key) {
  std::vector<int64_t> out;
  const auto it = n.attr.find(key);
  if (it == n.attr.end() || !it->contains("list") || !(*it)["list"].contains("i")) return out;
  for (const auto& v : (*it)["list"]["i"]) out.push_back(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
  return out;
}

std::vector<std::string> attr_strings(const Node& n, const std::string& key) {
  std::vector<std::string> out;
  const auto it = n.attr.find(key);
  if (it == n.attr.end() || !it->contains("list") || !(*it)["list"].contains("s")) return out;
  for (const auto& v : (*it)["list"]["s"]) out.push_back(base64_decode(v.get<std::string>()));
  return out;
}

Graph read_graph(const std::string& text, const std::string& json_name, const ReadShard& read_shard) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw ModelError("'" + json_name + "' is not JSON (" + first_line(e.what()) + "); expected a TF.js model.json");
  }
  if (!j.is_object() || !j.contains("modelTopology") || !j.contains("weightsManifest"))
    throw ModelError("'" + json_name + "' is not a TF.js model (no modelTopology and weightsManifest)");
  if (j.value("format", "") != "graph-model" || !j["modelTopology"].contains("node"))
    throw ModelError("'" + json_name + "' is a TF.js " + j.value("format", std::string("layers")) +
                     " model; fer-import reads graph models (tensorflowjs_converter --output_format tfjs_graph_model)");
  Graph g;
  for (const char* key : {"format", "generatedBy", "convertedBy"})
    if (j.contains(key)) g.meta[key] = j[key];
  for (const auto& jn : j["modelTopology"]["node"]) {
    Node n;
    n.name = jn.at("name").get<std::string>();
    n.op = jn.at("op").get<std::string>();
    if (jn.contains("input"))
      for (const auto& in : jn["input"]) n.inputs.push_back(node_name(in.get<std::string>()));
    if (jn.contains("attr")) n.attr = jn["attr"];
    g.nodes.emplace(n.name, std::move(n));
  }
  // Outputs: the signature's, else the nodes nothing reads.
  const auto sig = j.value("/userDefinedMetadata/signature/outputs"_json_pointer, nlohmann::json::object());
  for (const auto& [k, v] : sig.items()) g.outputs.push_back(node_name(v.value("name", k)));
  if (g.outputs.empty())
    for (const auto& [name, n] : g.nodes)
      if (n.op != "Const" && g.consumers(name).empty()) g.outputs.push_back(name);

  for (const auto& group : j["weightsManifest"]) {
    std::string bytes;
    for (const auto& p : group.at("paths")) bytes += read_shard(p.get<std::string>());
    size_t offset = 0;
    for (const auto& w : group.at("weights")) {
      const std::string name = w.at("name").get<std::string>();
      const std::string dtype = w.value("dtype", "float32");
      if (w.contains("quantization"))
        throw ModelError("weight '" + name + "' is quantised (" + w["quantization"].dump() +
                         "); fer-import reads float32 weights: convert the model without --quantize_*");
      if (dtype != "float32" && dtype != "int32")
        throw ModelError("weight '" + name + "' has dtype " + dtype + "; fer-import reads float32 and int32");
      Weight out;
      out.shape = w.at("shape").get<std::vector<int64_t>>();
      const size_t n = static_cast<size_t>(element_count(out.shape)), size = n * 4;
      if (offset + size > bytes.size())
        throw ModelError("the weight files are truncated: weight '" + name + "' needs bytes " + std::to_string(offset) +
                         ".." + std::to_string(offset + size) + " but the shards hold " + std::to_string(bytes.size()) +
                         "; download the .bin again");
      if (dtype == "float32") {
        out.f32.resize(n);
        std::memcpy(out.f32.data(), bytes.data() + offset, size);
      } else {
        out.i32.resize(n);
        std::memcpy(out.i32.data(), bytes.data() + offset, size);
      }
      offset += size;
      g.weights.emplace(name, std::move(out));
    }
    if (offset != bytes.size())
      throw ModelError("the weight files hold " + std::to_string(bytes.size()) + " bytes but the manifest describes " +
                       std::to_string(offset) + "; the .json and .bin do not belong together");
  }
  return g;
}

}  // namespace fer::tfjs
