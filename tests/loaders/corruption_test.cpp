// Random damage to real checkpoint files: every load must either succeed or throw
// std::runtime_error naming the file; never crash or throw anything else. Most useful when
// built with -DBERTCPP_SANITIZE=address,undefined.
#include <bertcpp/detail/loaders/checkpoint.h>

#include <gtest/gtest.h>

#include "loaders/loader_test_support.h"

#include <filesystem>
#include <functional>
#include <random>
#include <string>

namespace bertcpp {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

const std::string kFixtures = std::string(BERTCPP_TEST_DATA) + "/loaders";
const std::string kKerasDir = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint";

std::string damage(std::string bytes, std::mt19937& rng) {
  if (bytes.empty()) return bytes;
  std::uniform_int_distribution<size_t> position(0, bytes.size() - 1);
  switch (rng() % 4) {
    case 0:  // one bit
      bytes[position(rng)] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:  // a run of 0xFF: large lengths and offsets
      for (size_t at = position(rng), k = 0; k < 8 && at + k < bytes.size(); ++k) bytes[at + k] = '\xff';
      break;
    case 2:  // a run of zeros
      for (size_t at = position(rng), k = 0; k < 8 && at + k < bytes.size(); ++k) bytes[at + k] = '\0';
      break;
    default:  // a few random bytes anywhere
      for (int k = 0; k < 4; ++k) bytes[position(rng)] = static_cast<char>(rng());
  }
  return bytes;
}

// Loads `damaged` variants of `original` written to `path` (the path the loader is called with).
void hammer(const std::string& original, const std::string& path, const std::function<TensorMap()>& load,
            int rounds, uint32_t seed) {
  std::mt19937 rng(seed);
  int failures = 0;
  for (int round = 0; round < rounds; ++round) {
    write_file(path, damage(original, rng));
    try {
      const TensorMap tensors = load();
      for (const auto& [name, t] : tensors)
        if (t.numel() > 0) ASSERT_NE(t.data, nullptr) << name;
    } catch (const std::runtime_error& e) {
      ++failures;
      ASSERT_NE(std::string(e.what()).find(path), std::string::npos) << "round " << round << ": " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "round " << round << ": not a std::runtime_error: " << e.what();
    }
  }
  EXPECT_GT(failures, 0) << "damage never detected: the test is not exercising the checks";
}

TEST(Corruption, Safetensors) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  hammer(read_file(kFixtures + "/model.safetensors"), path, [&] { return load_safetensors(path); }, 400, 1);
  // Damage confined to the header, where every byte matters.
  const std::string original = read_file(kFixtures + "/model.safetensors");
  std::mt19937 rng(2);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(original[i]);
  for (int round = 0; round < 400; ++round) {
    std::string bytes = original;
    bytes[8 + rng() % header] = static_cast<char>(rng());
    write_file(path, bytes);
    try {
      load_safetensors(path);
    } catch (const std::runtime_error& e) {
      ASSERT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(Corruption, PytorchBin) {
  TempDir dir;
  const std::string path = dir.file("pytorch_model.bin");
  hammer(read_file(kFixtures + "/pytorch_model.bin"), path, [&] { return load_pytorch_bin(path); }, 400, 3);
  hammer(read_file(kFixtures + "/views.bin"), path, [&] { return load_pytorch_bin(path); }, 400, 4);
}

TEST(Corruption, TensorFlowIndexAndData) {
  if (!std::filesystem::exists(kKerasDir + "/bert_model.ckpt.index")) GTEST_SKIP() << kKerasDir << " is absent";
  TempDir dir;
  const std::string prefix = dir.file("bert_model.ckpt");
  const std::string index = read_file(kKerasDir + "/bert_model.ckpt.index");
  const std::string data = read_file(kKerasDir + "/bert_model.ckpt.data-00000-of-00001");
  write_file(prefix + ".data-00000-of-00001", data);
  hammer(index, prefix + ".index", [&] { return load_tf_checkpoint(prefix); }, 400, 5);
  write_file(prefix + ".index", index);
  hammer(data, prefix + ".data-00000-of-00001", [&] { return load_tf_checkpoint(prefix); }, 400, 6);
}

}  // namespace
}  // namespace bertcpp
