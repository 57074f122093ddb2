// `bertcpp info`: what a model directory holds and what it amounts to.
#include "cli/commands.h"

#include <bertcpp/cpu.h>
#include <bertcpp/detail/encoder/modules.h>
#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/loaders/config.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace bertcpp::cli {

namespace {

const char* format_name(CheckpointFormat f) {
  switch (f) {
    case CheckpointFormat::Safetensors: return "safetensors";
    case CheckpointFormat::SafetensorsSharded: return "sharded safetensors";
    case CheckpointFormat::PytorchBin: return "PyTorch .bin";
    case CheckpointFormat::TfCheckpoint: return "TensorFlow checkpoint";
  }
  return "?";
}

}  // namespace

void run_info(const InfoArgs& args) {
  namespace fs = std::filesystem;
  const std::string dir = resolve_model_dir(args.model_dir);
  if (!fs::is_directory(dir)) throw std::runtime_error(dir + ": not a directory");

  std::cout << "model directory: " << dir << "\n";
  if (is_sentence_transformers_folder(dir)) {
    const SentenceModules st = read_sentence_modules(dir);
    std::cout << "sentence-transformers modules: " << st.describe() << "\n";
    if (!st.prompts.empty()) {
      std::cout << "prompts:";
      for (const auto& [name, text] : st.prompts) std::cout << " " << name << "=\"" << text << "\"";
      std::cout << (st.default_prompt_name ? " (default: " + *st.default_prompt_name + ")" : std::string()) << "\n";
    }
    std::cout << "similarity: " << st.similarity_fn_name << "\n";
  } else {
    std::cout << "pooling: bert-as-service's REDUCE_MEAN of layer -2 (no modules.json)\n";
  }
  std::cout << "files:\n";
  std::string config_path;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    std::cout << "  " << name << "  (" << entry.file_size() << " bytes)\n";
    if (name == "config.json" || (name == "bert_config.json" && config_path.empty())) config_path = entry.path().string();
  }
  if (config_path.empty()) throw std::runtime_error(dir + ": no config.json or bert_config.json");
  const BertConfig config = BertConfig::from_json_file(config_path);
  std::cout << "config (" << config_path << "):\n" << config.to_json() << "\n";

  const CheckpointLocation where = find_checkpoint(dir);
  const TensorMap tensors = load_checkpoint(where);
  int64_t parameters = 0;
  for (const auto& [name, tensor] : tensors) parameters += tensor.numel();
  std::cout << "weights: " << format_name(where.format) << " (" << where.path << ")\n"
            << "tensors: " << tensors.size() << "\nparameters: " << parameters << " (" << parameters / 1e6
            << "M, heads included)\n";
  print_cpu(std::cout);
}

void print_cpu(std::ostream& out) {
  const CpuInfo cpu = cpu_info();
  auto list = [](const std::vector<std::string>& items) {
    std::string s;
    for (const std::string& item : items) s += (s.empty() ? "" : " ") + item;
    return s;
  };
  out << "cpu: kernel variant " << cpu.isa << " (BERTCPP_CPU_ISA forces one)\n"
      << "  variants this CPU runs: " << list(cpu.supported) << "\n"
      << "  fast precisions: " << list(cpu.precisions) << "\n"
      << "  features: " << list(cpu.features) << "\n";
}

}  // namespace bertcpp::cli
