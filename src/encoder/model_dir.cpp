// Where the bundled model lives, and what its directory says about tokenization.
#include "encoder/model_dir.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/tokenizer/folder.h>

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

bool model_dir_is_lowercase(const std::string& model_dir) { return folder_is_lowercase(model_dir); }

}  // namespace detail
}  // namespace bertcpp
