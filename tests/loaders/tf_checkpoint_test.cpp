#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/loaders/config.h>
#include <bertcpp/detail/loaders/names.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kernels/crc32c.h"
#include "loaders/loader_test_support.h"

#include <filesystem>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

using testing::bytes_of;
using testing::expect_runtime_error;
using testing::read_file;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

const std::string kKerasDir = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint";

// ---- a minimal tensor-bundle writer, so each malformed case is built where it is tested ----

std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}
std::string u32_le(uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string field_varint(int field, uint64_t v) { return varint(static_cast<uint64_t>(field) << 3) + varint(v); }
std::string field_bytes(int field, const std::string& b) { return varint((static_cast<uint64_t>(field) << 3) | 2) + varint(b.size()) + b; }
uint32_t masked_crc(const std::string& bytes) {
  return detail::crc32c_mask(detail::crc32c(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

struct EntrySpec {
  std::string name;
  uint64_t dtype = 1;  // DT_FLOAT
  std::vector<int64_t> shape;
  std::string bytes;
  int shard = 0;
  bool sliced = false;
  bool bad_crc = false;
};

// Writes prefix.index and prefix.data-0000k-of-0000n; every entry's bytes go to its shard.
// header_shards < 0: the header tells the truth about num_shards.
void write_bundle(const std::string& prefix, std::vector<EntrySpec> entries, int num_shards = 1,
                  uint64_t endianness = 0, char block_type = 0, int header_shards = -1) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::string> shards(num_shards);
  std::vector<std::pair<std::string, std::string>> records;
  records.emplace_back("", field_varint(1, header_shards < 0 ? num_shards : header_shards) +
                               field_varint(2, endianness));
  for (const EntrySpec& e : entries) {
    std::string shape;
    for (int64_t d : e.shape) shape += field_bytes(2, field_varint(1, static_cast<uint64_t>(d)));
    std::string& shard = shards[e.shard];
    std::string proto = field_varint(1, e.dtype) + field_bytes(2, shape) + field_varint(3, e.shard) +
                        field_varint(4, shard.size()) + field_varint(5, e.bytes.size()) +
                        varint((6 << 3) | 5) + u32_le(masked_crc(e.bytes) + (e.bad_crc ? 1 : 0));
    if (e.sliced) proto += field_bytes(7, field_bytes(1, ""));
    records.emplace_back(e.name, proto);
    shard += e.bytes;
  }
  const auto block = [&](const std::vector<std::pair<std::string, std::string>>& kvs) {
    std::string contents;
    for (const auto& [k, v] : kvs) contents += varint(0) + varint(k.size()) + varint(v.size()) + k + v;
    contents += u32_le(0) + u32_le(1);  // one restart point, at 0
    const std::string typed = contents + block_type;
    return typed + u32_le(masked_crc(typed));
  };
  const auto handle = [](size_t offset, size_t size) { return varint(offset) + varint(size); };
  std::string table = block(records);
  const size_t data_size = table.size() - 5;
  const size_t meta_offset = table.size();
  table += block({});
  const size_t index_offset = table.size();
  table += block({{records.back().first + "~", handle(0, data_size)}});
  std::string footer = handle(meta_offset, 8) + handle(index_offset, table.size() - index_offset - 5);
  footer.resize(40, '\0');
  footer += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);
  write_file(prefix + ".index", table + footer);
  for (int s = 0; s < num_shards; ++s) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", s, num_shards);
    write_file(prefix + suffix, shards[s]);
  }
}

TEST(Crc32c, KnownValuesAndBothPathsAgree) {
  const std::string digits = "123456789";
  const auto* p = reinterpret_cast<const unsigned char*>(digits.data());
  EXPECT_EQ(detail::crc32c(p, digits.size()), 0xE3069283u);
  EXPECT_EQ(detail::crc32c_extend_portable(0, p, digits.size()), 0xE3069283u);
  EXPECT_EQ(detail::crc32c_extend(detail::crc32c(p, 4), p + 4, 5), 0xE3069283u);
  std::string bytes(1000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  for (size_t n : {0, 1, 7, 8, 9, 63, 1000}) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    EXPECT_EQ(detail::crc32c(b, n), detail::crc32c_extend_portable(0, b, n)) << n;
  }
  EXPECT_EQ(detail::crc32c_unmask(detail::crc32c_mask(0x12345678u)), 0x12345678u);
}

TEST(TfCheckpoint, ReadsTheKerasBertCheckpoint) {
  if (!fs::exists(kKerasDir + "/bert_model.ckpt.index")) GTEST_SKIP() << kKerasDir << " is absent";
  const TensorMap raw = load_tf_checkpoint(kKerasDir + "/bert_model.ckpt");
  for (const auto& [name, tensor] : raw) {
    EXPECT_EQ(name.find("adam"), std::string::npos) << name;
    EXPECT_EQ(name.find("global_step"), std::string::npos) << name;
  }
  EXPECT_EQ(raw.at("bert/encoder/layer_0/intermediate/dense/kernel").shape, (std::vector<int64_t>{4, 16}));

  // Every canonical tensor the config implies, with its [out, in] shape.
  const BertConfig config = load_config(kKerasDir);
  const int64_t H = config.hidden_size, I = config.intermediate_size, V = config.vocab_size;
  std::map<std::string, std::vector<int64_t>> expected = {
      {"embeddings.word_embeddings.weight", {V, H}},
      {"embeddings.position_embeddings.weight", {config.max_position_embeddings, H}},
      {"embeddings.token_type_embeddings.weight", {config.type_vocab_size, H}},
      {"embeddings.LayerNorm.weight", {H}}, {"embeddings.LayerNorm.bias", {H}},
      {"pooler.dense.weight", {H, H}}, {"pooler.dense.bias", {H}},
      {"cls.predictions.transform.dense.weight", {H, H}}, {"cls.predictions.transform.dense.bias", {H}},
      {"cls.predictions.transform.LayerNorm.weight", {H}}, {"cls.predictions.transform.LayerNorm.bias", {H}},
      {"cls.predictions.bias", {V}},
      {"cls.seq_relationship.weight", {2, H}}, {"cls.seq_relationship.bias", {2}}};
  for (int l = 0; l < config.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* qkv : {"query", "key", "value"}) {
      expected[p + "attention.self." + qkv + ".weight"] = {H, H};
      expected[p + "attention.self." + qkv + ".bias"] = {H};
    }
    expected[p + "attention.output.dense.weight"] = {H, H};
    expected[p + "attention.output.dense.bias"] = {H};
    expected[p + "attention.output.LayerNorm.weight"] = {H};
    expected[p + "attention.output.LayerNorm.bias"] = {H};
    expected[p + "intermediate.dense.weight"] = {I, H};
    expected[p + "intermediate.dense.bias"] = {I};
    expected[p + "output.dense.weight"] = {H, I};
    expected[p + "output.dense.bias"] = {H};
    expected[p + "output.LayerNorm.weight"] = {H};
    expected[p + "output.LayerNorm.bias"] = {H};
  }
  const TensorMap canonical = to_canonical_names(raw);
  ASSERT_EQ(canonical.size(), expected.size());
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(canonical.count(name)) << name;
    EXPECT_EQ(canonical.at(name).shape, shape) << name;
  }
  // Transposed, not just reshaped: element [o][i] of HF's weight is TF's kernel[i][o].
  const Tensor& kernel = raw.at("bert/encoder/layer_0/intermediate/dense/kernel");
  const Tensor& weight = canonical.at("encoder.layer.0.intermediate.dense.weight");
  for (int64_t o = 0; o < I; ++o)
    for (int64_t i = 0; i < H; ++i) ASSERT_EQ(weight.data[o * H + i], kernel.data[i * I + o]);

  // The reference outputs were computed from these weights: their sizes must agree.
  SafetensorsFile reference(std::string(BERTCPP_TEST_DATA) + "/reference/keras_bert_tf_checkpoint_reference.safetensors");
  EXPECT_EQ(reference.shape("prediction_logits").back(), V);
  EXPECT_EQ(reference.shape("hidden_states").front(), config.num_hidden_layers + 1);
  EXPECT_EQ(reference.shape("hidden_states").back(), H);
  EXPECT_EQ(nlohmann::json::parse(reference.metadata().at("json")).at("vocab").size(), static_cast<size_t>(V));
}

// Copies of the real checkpoint, damaged in the test (nothing third-party is committed).
class DamagedKerasCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kKerasDir + "/bert_model.ckpt.index")) GTEST_SKIP() << kKerasDir << " is absent";
    index_ = read_file(kKerasDir + "/bert_model.ckpt.index");
    data_ = read_file(kKerasDir + "/bert_model.ckpt.data-00000-of-00001");
    prefix_ = dir_.file("bert_model.ckpt");
  }
  void write(const std::string& index, const std::string& data) {
    write_file(prefix_ + ".index", index);
    write_file(prefix_ + ".data-00000-of-00001", data);
  }
  TempDir dir_;
  std::string index_, data_, prefix_;
};

TEST_F(DamagedKerasCheckpoint, IntactCopyLoads) {
  write(index_, data_);
  EXPECT_EQ(load_tf_checkpoint(prefix_).size(), 46u);
}

TEST_F(DamagedKerasCheckpoint, FlippedDataByteFailsTheTensorChecksum) {
  write(index_, data_);
  const TensorMap intact = load_tf_checkpoint(prefix_);
  const Tensor& word = intact.at("bert/embeddings/word_embeddings");
  std::string damaged = data_;
  // The word embeddings' bytes are the ones equal to its values; locate them in the file.
  const std::string needle(reinterpret_cast<const char*>(word.data), static_cast<size_t>(word.numel()) * 4);
  const size_t at = damaged.find(needle);
  ASSERT_NE(at, std::string::npos);
  damaged[at + 5] ^= 0x10;
  write(index_, damaged);
  expect_runtime_error([&] { load_tf_checkpoint(prefix_); },
                       {"bert/embeddings/word_embeddings", "checksum mismatch", "data-00000-of-00001"});
}

TEST_F(DamagedKerasCheckpoint, TruncatedDataFileIsNamed) {
  write(index_, data_.substr(0, data_.size() / 2));
  expect_runtime_error([&] { load_tf_checkpoint(prefix_); }, {"past the end", "data-00000-of-00001", "truncated"});
}

TEST_F(DamagedKerasCheckpoint, MissingDataFileIsNamed) {
  write_file(prefix_ + ".index", index_);
  expect_runtime_error([&] { load_tf_checkpoint(prefix_); }, {"bert_model.ckpt.data-00000-of-00001", "cannot open"});
}

TEST_F(DamagedKerasCheckpoint, EveryIndexTruncationIsAnError) {
  write_file(prefix_ + ".data-00000-of-00001", data_);
  for (size_t length = 0; length < index_.size(); length += 7) {
    write_file(prefix_ + ".index", index_.substr(0, length));
    expect_runtime_error([&] { load_tf_checkpoint(prefix_); }, {prefix_ + ".index"}, "cut at " + std::to_string(length));
  }
}

TEST_F(DamagedKerasCheckpoint, EveryFlippedIndexByteIsAnError) {
  // Inside a block the CRC catches it; in the footer the magic, a handle (whose block then fails
  // its CRC or bounds) or the zero padding does.
  write_file(prefix_ + ".data-00000-of-00001", data_);
  for (size_t i = 0; i < index_.size(); i += 5) {
    std::string damaged = index_;
    damaged[i] ^= 0x01;
    write_file(prefix_ + ".index", damaged);
    expect_runtime_error([&] { load_tf_checkpoint(prefix_); }, {prefix_ + ".index"}, "flip at " + std::to_string(i));
  }
  for (size_t i = index_.size() - 48; i < index_.size(); ++i) {  // every footer byte
    std::string damaged = index_;
    damaged[i] ^= 0x40;
    write_file(prefix_ + ".index", damaged);
    expect_runtime_error([&] { load_tf_checkpoint(prefix_); }, {prefix_ + ".index"}, "footer flip at " + std::to_string(i));
  }
}

TEST(TfCheckpoint, ConvertsHalfAndBfloat16AndSkipsTrainingState) {
  TempDir dir;
  const std::string prefix = dir.file("model.ckpt");
  write_bundle(prefix, {
      {"bert/pooler/dense/kernel", 1, {2, 2}, bytes_of(std::vector<float>{1, 2, 3, 4})},
      {"bert/pooler/dense/bias", 19, {2}, bytes_of(std::vector<uint16_t>{0x3C00, 0x0001})},  // DT_HALF
      {"cls/predictions/output_bias", 14, {1}, bytes_of(std::vector<uint16_t>{0xC020})},   // DT_BFLOAT16
      {"bert/pooler/dense/kernel/adam_m", 1, {2, 2}, bytes_of(std::vector<float>{0, 0, 0, 0})},
      {"bert/pooler/dense/kernel/adam_v", 1, {2, 2}, bytes_of(std::vector<float>{0, 0, 0, 0})},
      {"global_step", 9, {}, bytes_of(std::vector<int64_t>{1000})},  // DT_INT64
  });
  const TensorMap t = load_tf_checkpoint(prefix);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.at("bert/pooler/dense/kernel").data[3], 4.0f);
  EXPECT_EQ(t.at("bert/pooler/dense/bias").data[0], 1.0f);
  EXPECT_EQ(t.at("bert/pooler/dense/bias").data[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(t.at("cls/predictions/output_bias").data[0], -2.5f);
}

TEST(TfCheckpoint, ReadsTwoShards) {
  TempDir dir;
  const std::string prefix = dir.file("model.ckpt");
  write_bundle(prefix, {{"a", 1, {1}, bytes_of(std::vector<float>{1}), 0}, {"b", 1, {2}, bytes_of(std::vector<float>{2, 3}), 1}}, 2);
  const TensorMap t = load_tf_checkpoint(prefix);
  EXPECT_EQ(t.at("b").data[1], 3.0f);
  EXPECT_EQ(t.at("b").source, prefix + ".data-00001-of-00002");
}

TEST(TfCheckpoint, MalformedBundlesThrowNamingTheTensor) {
  struct Case {
    std::string label;
    std::vector<EntrySpec> entries;
    std::vector<std::string> message_has;
    int num_shards = 1;
    uint64_t endianness = 0;
    char block_type = 0;
    int header_shards = -1;
  };
  const std::string four = bytes_of(std::vector<float>{1, 2, 3, 4});
  const std::vector<Case> cases = {
      {"wrong crc", {{"w", 1, {4}, four, 0, false, true}}, {"\"w\"", "checksum mismatch"}},
      {"partitioned", {{"w", 1, {4}, four, 0, true}}, {"\"w\"", "partitioned"}},
      {"size mismatch", {{"w", 1, {5}, four}}, {"\"w\"", "holds 16 bytes, expected 20"}},
      {"shard out of range", {{"w", 1, {4}, four, 1}}, {"\"w\"", "shard 1 out of range"}, 2, 0, 0, 1},
      {"big endian", {{"w", 1, {4}, four}}, {"big-endian"}, 1, 1},
      {"snappy blocks", {{"w", 1, {4}, four}}, {"compressed"}, 1, 0, 1},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string prefix = dir.file("model.ckpt");
    write_bundle(prefix, c.entries, c.num_shards, c.endianness, c.block_type, c.header_shards);
    std::vector<std::string> expected = c.message_has;
    expected.push_back(prefix + ".index");
    expect_runtime_error([&] { load_tf_checkpoint(prefix); }, expected, c.label);
  }
}

TEST(TfCheckpoint, MissingIndexIsNamed) {
  expect_runtime_error([] { load_tf_checkpoint("/nonexistent/bert_model.ckpt"); },
                       {"/nonexistent/bert_model.ckpt.index", "cannot open"});
}

}  // namespace
}  // namespace bertcpp
