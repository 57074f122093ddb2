// Which weights file a model directory holds, and reading it whatever its format.
#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/names.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace bertcpp {
namespace {

namespace fs = std::filesystem;

// A regular file (through symlinks). A name that is there but cannot be followed (a symlink
// loop, a dangling link, no permission) is an error naming it, not "no checkpoint found".
bool is_file(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return true;
  std::error_code link_ec;
  if (ec && fs::is_symlink(fs::symlink_status(p, link_ec)))
    throw std::runtime_error(p.string() + ": cannot follow the link: " + ec.message());
  if (!ec && fs::is_symlink(fs::symlink_status(p, link_ec)) && !fs::exists(p, link_ec))
    throw std::runtime_error(p.string() + ": the link points to nothing");
  return false;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Google's name first, then any other TF checkpoint ("model.ckpt-1000.index"), by name.
std::string find_tf_prefix(const fs::path& dir) {
  if (is_file(dir / "bert_model.ckpt.index")) return (dir / "bert_model.ckpt").string();
  std::vector<std::string> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && ends_with(name, ".index") && name.find(".ckpt") != std::string::npos)
      candidates.push_back(name.substr(0, name.size() - 6));
  }
  if (candidates.empty()) return "";
  // The latest training step sorts last when the step numbers have the same width; prefer the
  // longest name, then the greatest, so model.ckpt-10000 beats model.ckpt-9000.
  std::sort(candidates.begin(), candidates.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return (dir / candidates.back()).string();
}

}  // namespace

CheckpointLocation find_checkpoint(const std::string& model_dir) {
  const fs::path dir(model_dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(model_dir + ": not a directory");
  if (is_file(dir / "model.safetensors")) return {CheckpointFormat::Safetensors, (dir / "model.safetensors").string()};
  if (is_file(dir / "model.safetensors.index.json"))
    return {CheckpointFormat::SafetensorsSharded, (dir / "model.safetensors.index.json").string()};
  if (is_file(dir / "pytorch_model.bin")) return {CheckpointFormat::PytorchBin, (dir / "pytorch_model.bin").string()};
  if (const std::string prefix = find_tf_prefix(dir); !prefix.empty()) return {CheckpointFormat::TfCheckpoint, prefix};
  throw std::runtime_error(model_dir +
                           ": no checkpoint found (looked for model.safetensors, model.safetensors.index.json, "
                           "pytorch_model.bin, bert_model.ckpt.index and *.ckpt*.index)");
}

TensorMap load_checkpoint(const CheckpointLocation& where) {
  switch (where.format) {
    case CheckpointFormat::Safetensors: return load_safetensors(where.path);
    case CheckpointFormat::SafetensorsSharded: return load_safetensors_sharded(where.path);
    case CheckpointFormat::PytorchBin: return load_pytorch_bin(where.path);
    case CheckpointFormat::TfCheckpoint: return load_tf_checkpoint(where.path);
  }
  throw std::invalid_argument("load_checkpoint: unknown CheckpointFormat");
}

TensorMap load_model_tensors(const std::string& model_dir) {
  return to_canonical_names(load_checkpoint(find_checkpoint(model_dir)));
}

}  // namespace bertcpp
