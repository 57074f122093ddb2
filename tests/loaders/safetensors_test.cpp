#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kernels/float_convert.h"
#include "loaders/loader_test_support.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

using testing::bytes_of;
using testing::expect_runtime_error;
using testing::safetensors_bytes;
using testing::SafetensorsBuilder;
using testing::TempDir;
using testing::write_file;

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(Safetensors, ReadsTheBundledF16ModelAndConvertsExactly) {
  const std::string path = std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/model.safetensors";
  SafetensorsFile file(path);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.dtype("bert.embeddings.word_embeddings.weight"), "F16");
  EXPECT_EQ(file.shape("bert.embeddings.word_embeddings.weight"), (std::vector<int64_t>{30522, 256}));

  const TensorMap tensors = load_safetensors(path);
  EXPECT_EQ(tensors.size(), file.names().size());
  const Tensor& ln = tensors.at("bert.encoder.layer.3.output.LayerNorm.weight");
  EXPECT_EQ(ln.shape_string(), "[256]");
  EXPECT_EQ(ln.source, path);
  const std::string_view raw = file.raw_bytes("bert.encoder.layer.3.output.LayerNorm.weight");
  for (int64_t i = 0; i < ln.numel(); ++i) {
    uint16_t h;
    std::memcpy(&h, raw.data() + 2 * i, 2);
    ASSERT_EQ(bits_of(ln.data[i]), bits_of(detail::half_to_float_scalar(h))) << i;
  }
  // LayerNorm gains of a trained model sit around 1, not 0 or garbage.
  double mean = 0;
  for (int64_t i = 0; i < ln.numel(); ++i) mean += ln.data[i];
  mean /= static_cast<double>(ln.numel());
  EXPECT_GT(mean, 0.3);
  EXPECT_LT(mean, 3.0);
}

TEST(Safetensors, ReadsIntegerTensorsAndMetadataOfTheReference) {
  SafetensorsFile file(std::string(BERTCPP_TEST_DATA) + "/reference/keras_bert_tf_checkpoint_reference.safetensors");
  EXPECT_EQ(file.dtype("input_ids"), "I32");
  EXPECT_EQ(file.shape("input_ids"), (std::vector<int64_t>{2, 10}));
  const std::vector<int64_t> ids = file.to_int64("input_ids");
  ASSERT_EQ(ids.size(), 20u);
  EXPECT_EQ(ids[0], 2);  // [CLS] of the keras vocabulary
  for (int64_t id : ids) {
    EXPECT_GE(id, 0);
    EXPECT_LT(id, 15);
  }
  const auto meta = nlohmann::json::parse(file.metadata().at("json"));
  EXPECT_EQ(meta.at("vocab").size(), 15u);
  EXPECT_EQ(file.to_float("pooler_output").shape_string(), "[2, 4]");
  expect_runtime_error([&] { file.to_float("input_ids"); }, {"input_ids", "I32", "cannot be read as float"});
  expect_runtime_error([&] { file.to_int64("pooler_output"); }, {"pooler_output", "F32", "not an integer"});
  expect_runtime_error([&] { file.entry("no_such"); }, {"keras_bert_tf_checkpoint_reference", "\"no_such\""});
}

TEST(Safetensors, F32IsUsedInPlaceAndOutlivesTheFileObject) {
  TempDir dir;
  const std::vector<float> values = {1.5f, -2.25f, 3e-39f /* subnormal */, 0.0f, 7.0f, 8.0f};
  write_file(dir.file("w.safetensors"), SafetensorsBuilder().add("w", "F32", {2, 3}, bytes_of(values)).build());
  Tensor tensor;
  {
    SafetensorsFile file(dir.file("w.safetensors"));
    tensor = file.to_float("w");
    EXPECT_EQ(static_cast<const void*>(tensor.data), static_cast<const void*>(file.raw_bytes("w").data()))
        << "aligned F32 must not be copied";
  }
  std::filesystem::remove(dir.file("w.safetensors"));  // the mapping stays valid
  ASSERT_NE(tensor.owner, nullptr);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{2, 3}));
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(bits_of(tensor.data[i]), bits_of(values[i]));
}

TEST(Safetensors, MisalignedF32IsCopied) {
  TempDir dir;
  const std::vector<float> values = {1.0f, 2.0f, 3.0f};
  // Header unpadded and of a length that leaves the data area off a 4-byte boundary.
  std::string bytes;
  for (size_t pad = 0; pad < 4; ++pad) {
    bytes = SafetensorsBuilder().metadata("{\"p\":\"" + std::string(pad, 'x') + "\"}")
                .add("w", "F32", {3}, bytes_of(values)).build(1);
    if ((bytes.size() - 12) % 4 != 0) break;
  }
  write_file(dir.file("odd.safetensors"), bytes);
  SafetensorsFile file(dir.file("odd.safetensors"));
  ASSERT_NE(reinterpret_cast<uintptr_t>(file.raw_bytes("w").data()) % 4, 0u);
  const Tensor t = file.to_float("w");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 4, 0u);
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(t.data[i], values[i]);
}

TEST(Safetensors, HalfConversionIsExactForEveryBitPattern) {
  // Bulk (F16C when compiled in) and portable paths agree on all 65536 halves.
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> bulk(all.size());
  detail::halfs_to_floats(reinterpret_cast<const unsigned char*>(all.data()), all.size(), bulk.data());
  for (uint32_t i = 0; i < 65536; ++i) {
    const float scalar = detail::half_to_float_scalar(static_cast<uint16_t>(i));
    if (std::isnan(scalar)) {
      ASSERT_TRUE(std::isnan(bulk[i])) << std::hex << i;
      ASSERT_EQ(std::signbit(scalar), std::signbit(bulk[i])) << std::hex << i;
    } else {
      ASSERT_EQ(bits_of(scalar), bits_of(bulk[i])) << std::hex << i;
    }
  }
  EXPECT_EQ(detail::half_to_float_scalar(0x3C00), 1.0f);
  EXPECT_EQ(detail::half_to_float_scalar(0xC000), -2.0f);
  EXPECT_EQ(detail::half_to_float_scalar(0x7BFF), 65504.0f);
  EXPECT_EQ(detail::half_to_float_scalar(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(detail::half_to_float_scalar(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(detail::half_to_float_scalar(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(bits_of(detail::half_to_float_scalar(0x8000)), 0x80000000u);  // -0
  EXPECT_EQ(detail::half_to_float_scalar(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(detail::half_to_float_scalar(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(detail::half_to_float_scalar(0x7E00)));
  EXPECT_TRUE(std::isnan(detail::half_to_float_scalar(0x7C01)));  // signalling NaN stays NaN
}

TEST(Safetensors, ConvertsF16BF16AndF64AndSkipsIntegerBuffers) {
  TempDir dir;
  const std::vector<uint16_t> halves = {0x3C00, 0x0001, 0x7C00, 0xC100};  // 1, 2^-24, inf, -2.5
  const std::vector<uint16_t> bhalves = {0x3F80, 0xC020, 0x0001, 0x7F80};  // 1, -2.5, tiny subnormal, inf
  const std::vector<double> doubles = {0.1, -1e30};
  const std::vector<int64_t> position_ids = {0, 1, 2};
  write_file(dir.file("m.safetensors"), SafetensorsBuilder()
                                            .add("h", "F16", {4}, bytes_of(halves))
                                            .add("b", "BF16", {2, 2}, bytes_of(bhalves))
                                            .add("d", "F64", {2}, bytes_of(doubles))
                                            .add("embeddings.position_ids", "I64", {1, 3}, bytes_of(position_ids))
                                            .build());
  const TensorMap t = load_safetensors(dir.file("m.safetensors"));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.count("embeddings.position_ids"), 0u);
  EXPECT_EQ(t.at("h").data[0], 1.0f);
  EXPECT_EQ(t.at("h").data[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(t.at("h").data[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(t.at("h").data[3], -2.5f);
  EXPECT_EQ(t.at("b").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.at("b").data[0], 1.0f);
  EXPECT_EQ(t.at("b").data[1], -2.5f);
  EXPECT_EQ(bits_of(t.at("b").data[2]), 0x00010000u);
  EXPECT_EQ(t.at("b").data[3], std::numeric_limits<float>::infinity());
  EXPECT_EQ(t.at("d").data[0], 0.1f);
  EXPECT_EQ(t.at("d").data[1], -1e30f);
  SafetensorsFile file(dir.file("m.safetensors"));
  EXPECT_EQ(file.to_int64("embeddings.position_ids"), position_ids);
  EXPECT_TRUE(file.metadata().empty());
}

TEST(Safetensors, EmptyAndScalarTensors) {
  TempDir dir;
  write_file(dir.file("e.safetensors"), SafetensorsBuilder()
                                            .add("empty", "F32", {0, 4}, "")
                                            .add("scalar", "F32", {}, bytes_of(std::vector<float>{42.0f}))
                                            .build());
  const TensorMap t = load_safetensors(dir.file("e.safetensors"));
  EXPECT_EQ(t.at("empty").numel(), 0);
  // Converted and copied (unaligned) empty tensors go through the buffer path.
  write_file(dir.file("u.safetensors"), SafetensorsBuilder()
                                            .add("h", "F16", {0}, "")
                                            .add("b", "BF16", {3, 0}, "")
                                            .add("pad", "U8", {2}, "xy")
                                            .add("f", "F32", {0}, "")
                                            .build(1));
  const TensorMap u = load_safetensors(dir.file("u.safetensors"));
  EXPECT_EQ(u.at("h").numel(), 0);
  EXPECT_EQ(u.at("b").shape, (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(u.at("f").numel(), 0);
  EXPECT_EQ(t.at("scalar").numel(), 1);
  EXPECT_EQ(t.at("scalar").data[0], 42.0f);
}

struct BadFile {
  std::string label;
  std::string bytes;
  std::vector<std::string> message_has;  // besides the file name
};

TEST(Safetensors, CorruptFilesThrowNamingFileAndTensor) {
  const std::string four_floats = bytes_of(std::vector<float>{1, 2, 3, 4});
  const auto entry = [](const std::string& name, const std::string& body) { return "\"" + name + "\":" + body; };
  const std::vector<BadFile> cases = {
      {"empty file", "", {"too short"}},
      {"7 bytes", "\x10\0\0\0\0\0\0", {"too short"}},
      {"header past the end", testing::u64_le(1000) + "{}", {"header length 1000", "past the end"}},
      {"header over 100 MB", testing::u64_le(200'000'000) + "{}", {"100 MB"}},
      {"header length absurd", testing::u64_le(~0ull) + "{}", {"100 MB"}},
      {"header not json", safetensors_bytes("{\"w\": {\"dtype\": \"F32\",", four_floats), {"not valid JSON"}},
      {"header garbage", safetensors_bytes(std::string("\xff\xfe\x00\x01", 4), four_floats), {"not valid JSON"}},
      {"header not object", safetensors_bytes("[1,2]", four_floats), {"not a JSON object"}},
      {"number beyond double", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4e999],"data_offsets":[0,16]})") + "}", four_floats),
       {"not valid JSON", "number overflow"}},
      {"entry not object", safetensors_bytes("{" + entry("w", "3") + "}", four_floats), {"\"w\"", "not an object"}},
      {"missing dtype", safetensors_bytes("{" + entry("w", R"({"shape":[4],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "\"dtype\""}},
      {"unknown dtype", safetensors_bytes("{" + entry("w", R"({"dtype":"F99","shape":[4],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "unknown dtype", "F99"}},
      {"missing shape", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "\"shape\""}},
      {"negative dim", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[-4],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "non-negative"}},
      {"float dim", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4.0],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "non-negative integer"}},
      {"overflowing shape",
       safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "overflows"}},
      {"missing offsets", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4]})") + "}", four_floats),
       {"\"w\"", "data_offsets"}},
      {"one offset", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4],"data_offsets":[0]})") + "}", four_floats),
       {"\"w\"", "data_offsets"}},
      {"negative offset", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[4],"data_offsets":[-16,0]})") + "}", four_floats),
       {"\"w\"", "data_offsets"}},
      {"end before begin", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[0],"data_offsets":[16,0]})") + "}", four_floats),
       {"\"w\"", "end before begin"}},
      {"offsets past the end", safetensors_bytes("{" + entry("w", R"({"dtype":"F32","shape":[8],"data_offsets":[0,32]})") + "}", four_floats),
       {"\"w\"", "past the data area", "16 bytes"}},
      {"size mismatch", safetensors_bytes("{" + entry("w", R"({"dtype":"F16","shape":[4],"data_offsets":[0,16]})") + "}", four_floats),
       {"\"w\"", "hold 16 bytes, expected 8", "F16"}},
      {"overlap",
       safetensors_bytes("{" + entry("a", R"({"dtype":"F32","shape":[3],"data_offsets":[0,12]})") + "," +
                             entry("b", R"({"dtype":"F32","shape":[2],"data_offsets":[8,16]})") + "}", four_floats),
       {"\"b\"", "overlap", "\"a\""}},
      {"duplicate name",
       safetensors_bytes("{" + entry("a", R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})") + "," +
                             entry("a", R"({"dtype":"F32","shape":[2],"data_offsets":[8,16]})") + "}", four_floats),
       {"\"a\"", "twice"}},
      {"metadata not strings",
       safetensors_bytes("{\"__metadata__\":{\"format\":1}," + entry("w", R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})") + "}", four_floats),
       {"__metadata__", "\"format\"", "not a string"}},
  };
  TempDir dir;
  for (const BadFile& c : cases) {
    const std::string path = dir.file("bad.safetensors");
    write_file(path, c.bytes);
    std::vector<std::string> expected = c.message_has;
    expected.push_back(path);
    expect_runtime_error([&] { SafetensorsFile file(path); }, expected, c.label);
    expect_runtime_error([&] { load_safetensors(path); }, expected, c.label + " (load_safetensors)");
  }
}

TEST(Safetensors, EveryTruncationIsAnError) {
  TempDir dir;
  const std::string whole = SafetensorsBuilder()
                                .metadata(R"({"format":"pt"})")
                                .add("a", "F32", {2, 2}, bytes_of(std::vector<float>{1, 2, 3, 4}))
                                .add("b", "F16", {3}, bytes_of(std::vector<uint16_t>{0x3C00, 0x4000, 0x4200}))
                                .build();
  write_file(dir.file("whole.safetensors"), whole);
  ASSERT_EQ(load_safetensors(dir.file("whole.safetensors")).size(), 2u);
  const std::string path = dir.file("cut.safetensors");
  for (size_t length = 0; length < whole.size(); ++length) {
    write_file(path, whole.substr(0, length));
    expect_runtime_error([&] { load_safetensors(path); }, {path}, "truncated to " + std::to_string(length));
  }
}

TEST(Safetensors, MissingFileNamesThePath) {
  expect_runtime_error([] { load_safetensors("/nonexistent/dir/model.safetensors"); },
                       {"/nonexistent/dir/model.safetensors", "cannot open"});
}

TEST(SafetensorsSharded, LoadsEveryShardOfTheIndex) {
  TempDir dir;
  write_file(dir.file("model-00001-of-00002.safetensors"),
             SafetensorsBuilder().add("a", "F32", {2}, bytes_of(std::vector<float>{1, 2})).build());
  write_file(dir.file("model-00002-of-00002.safetensors"),
             SafetensorsBuilder().add("b", "F16", {1}, bytes_of(std::vector<uint16_t>{0x3C00}))
                 .add("c", "F32", {1}, bytes_of(std::vector<float>{3})).build());
  write_file(dir.file("model.safetensors.index.json"),
             R"({"metadata": {"total_size": 14}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                 "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}})");
  const TensorMap t = load_safetensors_sharded(dir.file("model.safetensors.index.json"));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.at("a").data[1], 2.0f);
  EXPECT_EQ(t.at("b").data[0], 1.0f);
  EXPECT_EQ(t.at("c").data[0], 3.0f);
  EXPECT_EQ(t.at("c").source, dir.file("model-00002-of-00002.safetensors"));
}

TEST(SafetensorsSharded, BadIndexesThrowNamingIndexShardAndTensor) {
  TempDir dir;
  const std::string index = dir.file("model.safetensors.index.json");
  write_file(dir.file("s1.safetensors"), SafetensorsBuilder().add("a", "F32", {1}, bytes_of(std::vector<float>{1})).build());
  const std::vector<BadFile> cases = {
      {"not json", "{\"weight_map\": ", {"not valid JSON"}},
      {"number beyond double", "{\"metadata\": {\"total_size\": 1e999}, \"weight_map\": {}}", {"not valid JSON"}},
      {"no weight_map", "{\"metadata\": {}}", {"weight_map"}},
      {"empty weight_map", "{\"weight_map\": {}}", {"weight_map is empty"}},
      {"shard not a string", R"({"weight_map": {"a": 1}})", {"\"a\"", "not a file name"}},
      {"shard outside the directory", R"({"weight_map": {"a": "../s1.safetensors"}})", {"\"a\"", "../s1.safetensors"}},
      {"missing tensor", R"({"weight_map": {"a": "s1.safetensors", "z": "s1.safetensors"}})",
       {"\"z\"", "s1.safetensors", "does not contain"}},
      {"missing shard", R"({"weight_map": {"a": "s2.safetensors"}})", {"s2.safetensors", "cannot open"}},
  };
  for (const BadFile& c : cases) {
    write_file(index, c.bytes);
    std::vector<std::string> expected = c.message_has;
    if (c.label != "missing shard") expected.push_back(index);
    expect_runtime_error([&] { load_safetensors_sharded(index); }, expected, c.label);
  }
  expect_runtime_error([&] { load_safetensors_sharded(dir.file("absent.index.json")); }, {"absent.index.json"});
}

}  // namespace
}  // namespace bertcpp
