// Where the bundled model lives, and what its directory says about tokenization.
#include "encoder/model_dir.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/tokenizer/folder.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace bertcpp {

namespace {

std::mutex package_dir_mutex;
std::string& package_dir() {  // a function's static: registration may run before this file's globals exist
  static std::string dir;
  return dir;
}

}  // namespace

std::vector<std::string> detail::bundled_model_candidates() {
  std::vector<std::string> places;
  {
    const std::lock_guard<std::mutex> lock(package_dir_mutex);
    if (!package_dir().empty()) places.push_back(package_dir());
  }
  for (const char* dir : {BERTCPP_INSTALLED_MODEL_DIR, BERTCPP_SOURCE_MODEL_DIR})
    if (std::find(places.begin(), places.end(), dir) == places.end()) places.emplace_back(dir);
  return places;
}

std::string default_model_dir() {
  if (const char* env = std::getenv("BERTCPP_MODEL_DIR"); env != nullptr && *env != '\0') return env;
  const std::vector<std::string> places = detail::bundled_model_candidates();
  std::error_code ec;
  for (const std::string& dir : places)
    if (std::filesystem::is_directory(dir, ec)) return dir;
  return places.back();
}

namespace detail {

bool register_package_model_dir(const char* path) {
  const std::lock_guard<std::mutex> lock(package_dir_mutex);
  package_dir() = path != nullptr ? path : "";
  return true;
}

bool model_dir_is_lowercase(const std::string& model_dir) { return folder_is_lowercase(model_dir); }

}  // namespace detail
}  // namespace bertcpp
