#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/loaders/config.h>

#include <gtest/gtest.h>

#include "loaders/loader_test_support.h"

#include <filesystem>
#include <string>

namespace bertcpp {
namespace {

using testing::expect_runtime_error;
using testing::TempDir;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(BERTCPP_TEST_DATA) + "/loaders";
const std::string kKerasDir = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint";

void copy_in(const TempDir& dir, const std::string& from_dir, const std::string& name, const std::string& as = "") {
  fs::copy_file(fs::path(from_dir) / name, dir.path() / (as.empty() ? name : as));
}

TEST(FindCheckpoint, PrefersSafetensorsThenShardsThenBinThenTensorFlow) {
  TempDir dir;
  const std::string d = dir.path().string();
  expect_runtime_error([&] { find_checkpoint(d); },
                       {d, "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "bert_model.ckpt.index"});

  fs::copy_file(fs::path(kFixtures) / "views.bin", dir.path() / "model.ckpt-900.index");  // contents unread here
  fs::copy_file(fs::path(kFixtures) / "views.bin", dir.path() / "model.ckpt-1000.index");
  EXPECT_EQ(find_checkpoint(d).format, CheckpointFormat::TfCheckpoint);
  EXPECT_EQ(find_checkpoint(d).path, dir.file("model.ckpt-1000"));
  fs::copy_file(fs::path(kFixtures) / "views.bin", dir.path() / "bert_model.ckpt.index");
  EXPECT_EQ(find_checkpoint(d).path, dir.file("bert_model.ckpt"));

  copy_in(dir, kFixtures, "pytorch_model.bin");
  EXPECT_EQ(find_checkpoint(d).format, CheckpointFormat::PytorchBin);
  copy_in(dir, kFixtures, "model.safetensors.index.json");
  EXPECT_EQ(find_checkpoint(d).format, CheckpointFormat::SafetensorsSharded);
  EXPECT_EQ(find_checkpoint(d).path, dir.file("model.safetensors.index.json"));
  copy_in(dir, kFixtures, "model.safetensors");
  EXPECT_EQ(find_checkpoint(d).format, CheckpointFormat::Safetensors);
  EXPECT_EQ(find_checkpoint(d).path, dir.file("model.safetensors"));
}

TEST(FindCheckpoint, NotADirectory) {
  expect_runtime_error([] { find_checkpoint("/nonexistent/model"); }, {"/nonexistent/model", "not a directory"});
}

TEST(LoadModelTensors, EveryFormatGivesTheSameCanonicalTensors) {
  const TensorMap reference = load_model_tensors(kFixtures);  // model.safetensors wins there
  ASSERT_EQ(find_checkpoint(kFixtures).format, CheckpointFormat::Safetensors);
  for (const char* only : {"model.safetensors.index.json", "pytorch_model.bin"}) {
    TempDir dir;
    copy_in(dir, kFixtures, only);
    if (std::string(only) == "model.safetensors.index.json") {
      copy_in(dir, kFixtures, "model-00001-of-00002.safetensors");
      copy_in(dir, kFixtures, "model-00002-of-00002.safetensors");
    }
    const TensorMap tensors = load_model_tensors(dir.path().string());
    for (const auto& [name, t] : reference) {
      ASSERT_TRUE(tensors.count(name)) << only << ": " << name;
      ASSERT_EQ(tensors.at(name).shape, t.shape) << only << ": " << name;
      for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(tensors.at(name).data[i], t.data[i]) << only << ": " << name;
    }
  }
}

TEST(LoadModelTensors, TensorFlowDirectoryMatchesItsConfig) {
  if (!fs::exists(kKerasDir + "/bert_model.ckpt.index")) GTEST_SKIP() << kKerasDir << " is absent";
  const BertConfig config = load_config(kKerasDir);
  const TensorMap tensors = load_model_tensors(kKerasDir);
  EXPECT_EQ(tensors.at("embeddings.word_embeddings.weight").shape,
            (std::vector<int64_t>{config.vocab_size, config.hidden_size}));
  EXPECT_EQ(tensors.at("encoder.layer.1.output.dense.weight").shape,
            (std::vector<int64_t>{config.hidden_size, config.intermediate_size}));
  EXPECT_EQ(tensors.count("cls.predictions.decoder.weight"), 0u);  // tied in Google's BERT
}

TEST(LoadModelTensors, BundledModel) {
  const BertConfig config = load_config(BERTCPP_MODEL_DIR_FOR_TESTS);
  const TensorMap tensors = load_model_tensors(BERTCPP_MODEL_DIR_FOR_TESTS);
  EXPECT_EQ(tensors.at("embeddings.word_embeddings.weight").shape,
            (std::vector<int64_t>{config.vocab_size, config.hidden_size}));
  EXPECT_EQ(tensors.at("encoder.layer.3.attention.self.query.weight").shape,
            (std::vector<int64_t>{config.hidden_size, config.hidden_size}));
  EXPECT_TRUE(tensors.count("cls.predictions.bias"));
  EXPECT_TRUE(tensors.count("cls.seq_relationship.weight"));
}

}  // namespace
}  // namespace bertcpp
