// Whether a model directory's vocabulary is lower-cased: tokenizer_config.json, then the name.
#include "encoder/model_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace bertcpp::detail {
namespace {

namespace fs = std::filesystem;

fs::path make_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("bertcpp_model_dir_test_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

TEST(ModelDir, TokenizerConfigDecidesWhenPresent) {
  const fs::path dir = make_dir("uncased_but_config_says_cased");
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": false})";
  EXPECT_FALSE(model_dir_is_lowercase(dir.string()));
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": true})";
  EXPECT_TRUE(model_dir_is_lowercase(dir.string()));
  std::ofstream(dir / "tokenizer_config.json") << "{not json";
  EXPECT_THROW(model_dir_is_lowercase(dir.string()), std::runtime_error);
}

TEST(ModelDir, GoogleStyleNamesSayCasedOrUncased) {
  EXPECT_FALSE(model_dir_is_lowercase(make_dir("cased_L-12_H-768_A-12").string()));
  EXPECT_FALSE(model_dir_is_lowercase(make_dir("bert-base-cased").string() + "/"));
  EXPECT_TRUE(model_dir_is_lowercase(make_dir("uncased_L-12_H-768_A-12").string()));
  EXPECT_TRUE(model_dir_is_lowercase(make_dir("my-model").string()));
}

}  // namespace
}  // namespace bertcpp::detail
