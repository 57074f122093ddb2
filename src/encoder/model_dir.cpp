// Where the bundled model lives, and what its directory says about tokenization.
#include "encoder/model_dir.h"

#include <bertcpp/encoder.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bertcpp {

std::string default_model_dir() {
  if (const char* env = std::getenv("BERTCPP_MODEL_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::is_directory(BERTCPP_INSTALLED_MODEL_DIR, ec)) return BERTCPP_INSTALLED_MODEL_DIR;
  return BERTCPP_SOURCE_MODEL_DIR;
}

namespace detail {

bool model_dir_is_lowercase(const std::string& model_dir) {
  namespace fs = std::filesystem;
  const fs::path tokenizer_config = fs::path(model_dir) / "tokenizer_config.json";
  std::ifstream in(tokenizer_config);
  if (in) {
    const nlohmann::json config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded()) {
      throw std::runtime_error(tokenizer_config.string() + ": not valid JSON");
    }
    if (auto it = config.find("do_lower_case"); it != config.end() && it->is_boolean()) return it->get<bool>();
  }
  // Google's checkpoints say it in the name: cased_L-12_H-768_A-12 vs uncased_L-12_H-768_A-12.
  std::string name = fs::path(model_dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(model_dir).lexically_normal().parent_path().filename().string();
  const bool says_cased = name.find("cased") != std::string::npos && name.find("uncased") == std::string::npos;
  return !says_cased;
}

}  // namespace detail
}  // namespace bertcpp
