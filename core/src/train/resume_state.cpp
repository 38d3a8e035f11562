#include "resume_state.hpp"

#include <cstdio>
#include <filesystem>

#include "fer/atomic_file.hpp"

namespace fer::train {

void save_resume(const std::string& path, const ResumeState& s, torch::nn::Module& model,
                 torch::optim::Optimizer& optimizer) {
  const nlohmann::json j = s;
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("state", c10::IValue(j.dump()));
  // Serialised in memory, then written by the one atomic writer: a full disk or a kill leaves the
  // previous state whole, and the error names the file and the cause.
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_file_atomically(path, bytes);
}

ResumeState load_resume(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        const std::string& expected_fingerprint) {
  if (!std::filesystem::exists(path))
    throw std::runtime_error("--resume: no state file '" + path + "' (fer-train writes it after each epoch); "
                             "run without --resume to start afresh");
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  c10::IValue text;
  try {
    archive.load_from(path);
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    archive.read("state", text);
  } catch (const c10::Error& e) {
    throw std::runtime_error("--resume: '" + path + "' is damaged (" + e.what_without_backtrace() +
                             "); delete it and start afresh");
  }
  const auto j = nlohmann::json::parse(text.toStringRef());
  if (j.at("fingerprint").get<std::string>() != expected_fingerprint)
    throw std::runtime_error("--resume: '" + path + "' was written by a run with other settings (" +
                             j.at("fingerprint").get<std::string>() + "; now " + expected_fingerprint +
                             "); resume with the same options or choose another --out");
  model.load(model_archive);
  optimizer.load(optimizer_archive);
  ResumeState s = j.get<ResumeState>();
  return s;
}

}  // namespace fer::train
