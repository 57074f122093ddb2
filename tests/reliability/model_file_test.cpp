// What is checked when a model loads, and what happens when its files change afterwards:
// float32 weights are copied at load, so truncating or rewriting the file under a live model
// neither kills the process (SIGBUS) nor changes its vectors; non-finite weights, encoder
// layers the config does not run and non-BERT model types are refused by name.
#include "loaders/loader_test_support.h"

#include <bertcpp/detail/all.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

namespace fs = std::filesystem;
const std::string kModel = BERTCPP_MODEL_DIR_FOR_TESTS;

// The bundled model (float16 on disk) as a float32 safetensors model directory, the format that
// used to stay mapped; `edit` may change the tensors first.
void write_f32_model(const std::string& dir, const std::function<void(std::map<std::string, std::vector<float>>&)>& edit = {}) {
  std::map<std::string, std::vector<float>> values;
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [name, t] : load_safetensors(kModel + "/model.safetensors")) {
    values[name].assign(t.data, t.data + t.numel());
    shapes[name] = t.shape;
  }
  if (edit) edit(values);
  testing::SafetensorsBuilder builder;
  for (const auto& [name, v] : values) builder.add(name, "F32", shapes[name], testing::bytes_of(v));
  testing::write_file(dir + "/model.safetensors", builder.build());
  for (const char* file : {"config.json", "vocab.txt"}) fs::copy_file(kModel + "/" + file, dir + "/" + file);
}

const std::vector<TextInput> kTexts = {{"the model file changed", std::nullopt}, {"hello world", std::nullopt}};

TEST(ModelFile, TruncatedAfterLoadChangesNothing) {
  testing::TempDir dir;
  write_f32_model(dir.path().string());
  EncoderOptions options;
  options.model_dir = dir.path().string();
  const Encoder encoder(options);
  const RowMatrix before = encoder.encode(kTexts);
  fs::resize_file(dir.file("model.safetensors"), 100);  // was: SIGBUS on the next encode
  const RowMatrix after = encoder.encode(kTexts);
  EXPECT_TRUE(after.allFinite());
  EXPECT_EQ((after - before).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(ModelFile, RewrittenInPlaceAfterLoadChangesNothing) {
  testing::TempDir dir;
  write_f32_model(dir.path().string());
  EncoderOptions options;
  options.model_dir = dir.path().string();
  const Encoder encoder(options);
  const RowMatrix before = encoder.encode(kTexts);
  {  // as cp, rsync --inplace or save_pretrained over the same inode would
    const std::string bytes = testing::read_file(dir.file("model.safetensors"));
    std::fstream out(dir.file("model.safetensors"), std::ios::in | std::ios::out | std::ios::binary);
    const std::string garbage(bytes.size() - 4096, '\xff');  // float NaNs
    out.seekp(4096);
    out.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const RowMatrix after = encoder.encode(kTexts);
  EXPECT_TRUE(after.allFinite());
  EXPECT_EQ((after - before).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(ModelFile, NonFiniteWeightsAreRefusedByName) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    testing::TempDir dir;
    write_f32_model(dir.path().string(), [&](auto& values) {
      values.at("bert.encoder.layer.2.output.LayerNorm.bias").at(7) = bad;
    });
    testing::expect_runtime_error([&] { BertModel::load(dir.path().string()); },
                                  {"encoder.layer.2.output.LayerNorm.bias", "model.safetensors",
                                   std::isnan(bad) ? "NaN" : "infinity", "element 7"});
  }
}

TEST(ModelFile, ACheckpointWithMoreLayersThanTheConfigIsRefused) {
  testing::TempDir dir;
  write_f32_model(dir.path().string());
  std::string config = testing::read_file(dir.file("config.json"));
  const size_t at = config.find("\"num_hidden_layers\": 4");
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, 22, "\"num_hidden_layers\": 3");
  testing::write_file(dir.file("config.json"), config);
  testing::expect_runtime_error([&] { BertModel::load(dir.path().string()); },
                                {"encoder layer 3", "num_hidden_layers = 3"});
}

TEST(ModelFile, OtherModelTypesAreRefused) {
  testing::expect_runtime_error(
      [] {
        family_for(BertConfig::from_json(R"({"model_type": "roberta", "vocab_size": 10, "hidden_size": 8,
          "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16})", "config.json"), "config.json");
      },
      {"config.json", "model_type", "roberta", "supported: bert"});
  EXPECT_NO_THROW(BertConfig::from_json(R"({"model_type": "bert", "vocab_size": 10, "hidden_size": 8,
      "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16})", "config.json"));
}

TEST(ModelFile, LinksThatCannotBeFollowedAreNamed) {
  testing::TempDir dir;
  fs::create_symlink(dir.file("loop"), dir.file("model.safetensors"));
  fs::create_symlink(dir.file("model.safetensors"), dir.file("loop"));
  testing::expect_runtime_error([&] { find_checkpoint(dir.path().string()); },
                                {dir.file("model.safetensors"), "cannot follow the link"});
}

TEST(ModelFile, AVocabDirectoryIsNamedAsSuch) {
  testing::expect_runtime_error([] { Tokenizer tokenizer(kModel); }, {kModel, "is a directory"});
}

TEST(ModelFile, ABadModelDirVariableIsNamed) {
  ::setenv("BERTCPP_MODEL_DIR", "/no/such/model", 1);
  testing::expect_runtime_error([] { Encoder encoder; }, {"BERTCPP_MODEL_DIR=/no/such/model", "not a model directory"});
  ::unsetenv("BERTCPP_MODEL_DIR");
}

}  // namespace
}  // namespace bertcpp
