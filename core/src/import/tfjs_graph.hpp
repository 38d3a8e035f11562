// A TensorFlow.js graph model (model.json: the graph's nodes and a weights manifest; .bin shards:
// the weights), read without TensorFlow: nodes by name, weights as float32 or int32 arrays.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fer::tfjs {

struct Node {
  std::string name, op;
  std::vector<std::string> inputs;  // node names (":0" outputs and "^" control marks stripped)
  nlohmann::json attr;
};

struct Weight {
  std::vector<int64_t> shape;
  std::vector<float> f32;    // dtype float32
  std::vector<int32_t> i32;  // dtype int32
};

struct Graph {
  std::map<std::string, Node> nodes;
  std::map<std::string, Weight> weights;
  std::vector<std::string> outputs;  // from the signature, else the nodes no other node reads
  nlohmann::json meta;                // format, generatedBy, convertedBy

  const Node& node(const std::string& name) const;  // throws naming the missing node
  const Weight& weight(const std::string& name, const std::string& used_by) const;
  std::vector<std::string> consumers(const std::string& name) const;
};

// Reads a file the manifest names, relative to the model.json ("emotion.bin").
using ReadShard = std::function<std::string(const std::string& path)>;

// Throws fer::ModelError naming what is wrong: JSON that is no graph model, a weight shard shorter
// or longer than the manifest says, a dtype or quantisation it does not read.
Graph read_graph(const std::string& model_json_text, const std::string& json_name, const ReadShard& read_shard);

// Decoded string/int attributes (TF.js stores strings base64-encoded).
std::string attr_string(const Node& n, const std::string& key);
std::vector<int64_t> attr_ints(const Node& n, const std::string& key);
std::vector<std::string> attr_strings(const Node& n, const std::string& key);

}  // namespace fer::tfjs
