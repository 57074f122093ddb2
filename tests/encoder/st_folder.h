// A sentence-transformers folder built around the bundled model for a test: its config,
// weights (symlinked) and vocabulary, plus modules.json and a 1_Pooling/config.json with the
// modes asked for. Removed at the end of the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace bertcpp::testing {

class StFolder {
 public:
  // modes: sentence-transformers' pooling_mode_* suffixes ("mean_tokens", "cls_token", ...).
  explicit StFolder(const std::vector<std::string>& modes, bool include_prompt = true, bool normalize = false) {
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("bertcpp-st-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_ / "1_Pooling");
    const std::string src = BERTCPP_MODEL_DIR_FOR_TESTS;
    std::filesystem::create_symlink(src + "/model.safetensors", path_ / "model.safetensors");
    for (const char* f : {"config.json", "vocab.txt"}) std::filesystem::copy_file(src + "/" + f, path_ / f);
    std::string modules = R"([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
      {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"})";
    if (normalize) modules += R"(, {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})";
    write("modules.json", modules + "]");
    std::string pooling = "{\"word_embedding_dimension\": 256, \"include_prompt\": " +
                          std::string(include_prompt ? "true" : "false");
    for (const char* m : {"cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"}) {
      bool on = false;
      for (const std::string& want : modes) on = on || want == m;
      pooling += std::string(", \"pooling_mode_") + m + "\": " + (on ? "true" : "false");
    }
    write("1_Pooling/config.json", pooling + "}");
  }
  ~StFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  StFolder(const StFolder&) = delete;
  StFolder& operator=(const StFolder&) = delete;

  std::string path() const { return path_.string(); }
  void write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace bertcpp::testing
