// Every loader must survive damaged files at any byte: truncated, bit-flipped, or one of the
// fuzzers' reproducers (fuzz/regressions/). The only acceptable failure is std::runtime_error
// naming the file; nothing may crash, hang, or read outside the file (the sanitizer builds run
// these too).
#include "reliability_support.h"

#include <bertcpp/detail/all.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include <functional>

namespace {

using bertcpp::testing::ScratchDir;
using bertcpp::testing::write_file;

// Calls load(path) on `bytes` cut at every length (and with every byte flipped when `flip`).
// Returns how many variants loaded; the others must throw runtime_error naming `name`.
size_t damage_everywhere(const std::string& bytes, const std::string& path, const std::string& name,
                         const std::function<void(const std::string&)>& write_and_load, bool flip) {
  size_t loaded = 0;
  auto attempt = [&](const std::string& variant, const std::string& what) {
    try {
      write_and_load(variant);
      ++loaded;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(name), std::string::npos) << what << ": " << message;
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": not a runtime_error: " << e.what();
    }
  };
  for (size_t n = 0; n < bytes.size(); ++n) attempt(bytes.substr(0, n), "truncated to " + std::to_string(n));
  if (flip) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string variant = bytes;
      variant[i] ^= 0x5A;
      attempt(variant, "byte " + std::to_string(i) + " flipped");
    }
  }
  (void)path;
  return loaded;
}

TEST(LoaderHardening, SafetensorsTruncatedOrFlippedAtEveryByte) {
  ScratchDir dir;
  const std::string path = dir.file("model.safetensors");
  for (const char* seed : {"f32", "f16_bf16", "ints"}) {
    const std::string bytes = bertcpp::testing::fuzz_seed("safetensors_fuzzer", seed);
    damage_everywhere(bytes, path, path, [&](const std::string& v) {
      write_file(path, v);
      bertcpp::load_safetensors(path);
    }, true);
  }
}

TEST(LoaderHardening, TfCheckpointTruncatedOrFlippedAtEveryByte) {
  ScratchDir dir;
  const std::string prefix = dir.file("bert_model.ckpt");
  const auto bundle = bertcpp::testing::small_tf_bundle();
  // Damage the index: every truncation fails (the footer is at the end), and a flipped byte
  // is caught by a block CRC or the footer magic.
  const size_t index_loaded = damage_everywhere(bundle.index, prefix, prefix + ".index", [&](const std::string& v) {
    bertcpp::testing::write_tf_bundle(prefix, {v, bundle.data});
    bertcpp::load_tf_checkpoint(prefix);
  }, true);
  EXPECT_EQ(index_loaded, 0u);
  // Damage the data: a truncation or any flipped byte of a weight fails its tensor CRC.
  const size_t data_loaded = damage_everywhere(bundle.data, prefix, prefix, [&](const std::string& v) {
    bertcpp::testing::write_tf_bundle(prefix, {bundle.index, v});
    bertcpp::load_tf_checkpoint(prefix);
  }, true);
  // Only the skipped variables may change without notice: flips in the adam slot (4 bytes) and
  // global_step (8), and truncations that cut only global_step, the last 8 bytes.
  EXPECT_LE(data_loaded, 20u);
}

TEST(LoaderHardening, TfCheckpointOfKerasBertTruncatedAtEveryByte) {
  const std::string shared = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint/bert_model.ckpt";
  if (!std::filesystem::exists(shared + ".index")) GTEST_SKIP() << "no " << shared << ".index";
  const bertcpp::testing::TfBundle original{bertcpp::testing::read_file(shared + ".index"),
                                            bertcpp::testing::read_file(shared + ".data-00000-of-00001")};
  ScratchDir dir;
  const std::string prefix = dir.file("bert_model.ckpt");
  EXPECT_EQ(damage_everywhere(original.index, prefix, prefix + ".index", [&](const std::string& v) {
              bertcpp::testing::write_tf_bundle(prefix, {v, original.data});
              bertcpp::load_tf_checkpoint(prefix);
            }, false), 0u);
  // Truncations that cut only skipped optimizer slots may load; the others must fail cleanly.
  damage_everywhere(original.data, prefix, prefix, [&](const std::string& v) {
    bertcpp::testing::write_tf_bundle(prefix, {original.index, v});
    bertcpp::load_tf_checkpoint(prefix);
  }, false);
}

TEST(LoaderHardening, PytorchBinTruncatedOrFlippedAtEveryByte) {
  ScratchDir dir;
  const std::string path = dir.file("pytorch_model.bin");
  for (const char* seed : {"two_tensors", "half"}) {
    const std::string bytes = bertcpp::testing::fuzz_seed("pytorch_bin_fuzzer", seed);
    write_file(path, bytes);
    ASSERT_NO_THROW(bertcpp::load_pytorch_bin(path)) << seed;
    damage_everywhere(bytes, path, path, [&](const std::string& v) {
      write_file(path, v);
      bertcpp::load_pytorch_bin(path);
    }, true);
  }
}

TEST(LoaderHardening, ConfigAndVocabTruncatedAtEveryByte) {
  ScratchDir dir;
  const std::string config_path = dir.file("config.json");
  const std::string config = bertcpp::testing::read_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/config.json");
  // Cutting only the final newline leaves a complete, valid config: at most that one loads.
  EXPECT_LE(damage_everywhere(config, config_path, config_path, [&](const std::string& v) {
              write_file(config_path, v);
              bertcpp::BertConfig::from_json_file(config_path);
            }, false), 1u);
  const std::string vocab_path = dir.file("vocab.txt");
  const std::string vocab = bertcpp::testing::fuzz_seed("vocab_fuzzer", "small.txt");
  damage_everywhere(vocab, vocab_path, vocab_path, [&](const std::string& v) {
    write_file(vocab_path, v);
    bertcpp::Tokenizer t(vocab_path);
  }, true);
}

TEST(LoaderHardening, DuplicatedTensorNamesAreRejected) {
  ScratchDir dir;
  // safetensors: the same key twice in the header (nlohmann would silently keep the last).
  const std::string st = dir.file("dup.safetensors");
  write_file(st, bertcpp::testing::safetensors(
                     R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                     bertcpp::testing::floats({1, 2})));
  EXPECT_THROW(bertcpp::load_safetensors(st), std::runtime_error);
  // After name mapping: "bert.x" and "x" are the same canonical tensor.
  bertcpp::TensorMap both;
  both["bert.pooler.dense.weight"].shape = {1};
  both["pooler.dense.weight"].shape = {1};
  try {
    bertcpp::to_canonical_names(std::move(both));
    ADD_FAILURE() << "two names for one canonical tensor were accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("pooler.dense.weight"), std::string::npos) << e.what();
  }
}

TEST(LoaderHardening, FuzzRegressionsAreRejectedCleanly) {
  const std::string dir = std::string(BERTCPP_TEST_DATA) + "/../../fuzz/regressions";
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    const std::string name = entry.path().filename().string();
    std::function<void()> load;
    if (name.rfind("config_", 0) == 0) load = [&] { bertcpp::BertConfig::from_json_file(path); };
    else if (name.rfind("safetensors_", 0) == 0) load = [&] { bertcpp::load_safetensors(path); };
    else if (name.rfind("vocab_", 0) == 0) load = [&] { bertcpp::Tokenizer t(path); };
    else if (name.rfind("pytorch_bin_", 0) == 0) load = [&] { bertcpp::load_pytorch_bin(path); };
    else if (name.rfind("tokenizer_json_", 0) == 0) load = [&] { bertcpp::read_tokenizer_json(path); };
    else continue;  // README.md, and tokenizer-text/TF inputs replayed by their fuzz targets
    ++replayed;
    try {
      load();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << name << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": not a runtime_error naming the file: " << e.what();
    }
  }
  EXPECT_GT(replayed, 0u);
}

}  // namespace
