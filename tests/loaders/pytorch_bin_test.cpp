#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/names.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loaders/loader_test_support.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

using testing::expect_runtime_error;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// Made by tools/make_fixtures/make_tiny_bert_checkpoints.py from one tiny state dict.
const std::string kDir = std::string(BERTCPP_TEST_DATA) + "/loaders";

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

void expect_bit_identical(const TensorMap& a, const TensorMap& b, const std::string& label) {
  ASSERT_EQ(a.size(), b.size()) << label;
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << label << ": " << name;
    const Tensor& u = b.at(name);
    ASSERT_EQ(t.shape, u.shape) << label << ": " << name;
    for (int64_t i = 0; i < t.numel(); ++i)
      ASSERT_EQ(bits_of(t.data[i]), bits_of(u.data[i])) << label << ": " << name << "[" << i << "]";
  }
}

TEST(PytorchBin, EqualsSafetensorsAndShardsBitForBit) {
  TensorMap bin = to_canonical_names(load_pytorch_bin(kDir + "/pytorch_model.bin"));
  const TensorMap f32 = to_canonical_names(load_safetensors(kDir + "/model.safetensors"));
  const TensorMap sharded = to_canonical_names(load_safetensors_sharded(kDir + "/model.safetensors.index.json"));

  EXPECT_EQ(bin.count("embeddings.position_ids"), 0u) << "int64 buffer must be skipped";
  // The tied decoder weight is the word-embedding storage itself (one storage, two tensors).
  ASSERT_TRUE(bin.count("cls.predictions.decoder.weight"));
  EXPECT_EQ(bin.at("cls.predictions.decoder.weight").data, bin.at("embeddings.word_embeddings.weight").data);
  // decoder.bias shares cls.predictions.bias's storage too; canonical keeps it under its own name.
  EXPECT_EQ(bin.at("cls.predictions.decoder.bias").data, bin.at("cls.predictions.bias").data);
  bin.erase("cls.predictions.decoder.weight");
  bin.erase("cls.predictions.decoder.bias");

  expect_bit_identical(bin, f32, ".bin vs safetensors");
  expect_bit_identical(sharded, f32, "sharded vs safetensors");
  ASSERT_EQ(f32.size(), 46u);  // 5 embeddings + 2 x 16 layer + 2 pooler + 7 cls
  EXPECT_EQ(f32.at("encoder.layer.1.intermediate.dense.weight").shape, (std::vector<int64_t>{16, 8}));
}

TEST(PytorchBin, ContiguousFloat32IsUsedInPlace) {
  const TensorMap bin = load_pytorch_bin(kDir + "/pytorch_model.bin");
  const Tensor& a = bin.at("bert.pooler.dense.weight");
  const Tensor& b = bin.at("cls.seq_relationship.weight");
  // Both point into the one memory map: the same owner, not a buffer each.
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % 64, 0u) << "torch.save aligns storages to 64 bytes";
}

// F16 of x, computed independently of the loaders: round to nearest even at F16's precision.
float round_to_half(float x) {
  if (x == 0.0f || std::fabs(x) >= 65520.0f) return x;
  const int exponent = std::max(std::ilogb(x), -14);  // subnormals share the smallest normal's step
  const float step = std::ldexp(1.0f, exponent - 10);
  return std::nearbyint(x / step) * step;  // nearbyint: ties to even in the default rounding mode
}

float round_to_bfloat16(float x) {
  uint32_t b = bits_of(x);
  b += 0x7FFF + ((b >> 16) & 1);  // round to nearest even on the dropped 16 bits
  b &= 0xFFFF0000u;
  float out;
  std::memcpy(&out, &b, 4);
  return out;
}

TEST(PytorchBin, HalfAndBfloat16FilesHoldTheRoundedValues) {
  const TensorMap f32 = load_safetensors(kDir + "/model.safetensors");
  const TensorMap f16 = load_safetensors(kDir + "/model_f16.safetensors");
  const TensorMap f16_bin = load_pytorch_bin(kDir + "/pytorch_model_f16.bin");
  const TensorMap bf16 = load_safetensors(kDir + "/model_bf16.safetensors");
  expect_bit_identical(f16, f16_bin, "F16 safetensors vs HalfStorage .bin");
  for (const auto& [name, t] : f32) {
    for (int64_t i = 0; i < t.numel(); ++i) {
      ASSERT_EQ(bits_of(f16.at(name).data[i]), bits_of(round_to_half(t.data[i]))) << name << "[" << i << "]";
      ASSERT_EQ(bits_of(bf16.at(name).data[i]), bits_of(round_to_bfloat16(t.data[i]))) << name << "[" << i << "]";
    }
  }
  // The fixture plants an F16 subnormal and a value that underflows to -0.
  const float* bias = f16.at("bert.embeddings.LayerNorm.bias").data;
  EXPECT_EQ(bias[0], std::ldexp(50.0f, -24));
  EXPECT_EQ(bits_of(bias[1]), 0x80000000u);
}

TEST(PytorchBin, ViewsWithOffsetsAndStridesAreCopiedCorrectly) {
  const TensorMap views = load_pytorch_bin(kDir + "/views.bin");
  const auto expected = nlohmann::json::parse(read_file(kDir + "/views_expected.json"));
  ASSERT_EQ(views.size(), expected.size());
  for (const auto& [name, spec] : expected.items()) {
    const Tensor& t = views.at(name);
    EXPECT_EQ(t.shape, spec.at("shape").get<std::vector<int64_t>>()) << name;
    const auto values = spec.at("values").get<std::vector<float>>();
    ASSERT_EQ(static_cast<size_t>(t.numel()), values.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(t.data[i], values[i]) << name << "[" << i << "]";
  }
}

std::string patched(std::string bytes, const std::string& from, const std::string& to, size_t occurrence = 0);

TEST(PytorchBin, EmptyConvertedTensors) {
  // A fuzzer input: an empty FloatStorage tensor whose zip entry is not 4-byte aligned, so it
  // takes the copy path, which handed memcpy the empty buffer's null data() (UBSan: UB).
  try {
    for (const auto& [name, t] : load_pytorch_bin(kDir + "/fuzz_empty_unaligned_float.bin"))
      if (t.numel() > 0) EXPECT_NE(t.data, nullptr) << name;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fuzz_empty_unaligned_float.bin"), std::string::npos) << e.what();
  }
  // views.bin's "half" is HalfStorage [6] at offset 18; make it [0].
  TempDir dir;
  write_file(dir.file("empty.bin"), patched(read_file(kDir + "/views.bin"), "QK\x12K\x06\x85", std::string("QK\x12K\x00\x85", 6)));
  const TensorMap t = load_pytorch_bin(dir.file("empty.bin"));
  EXPECT_EQ(t.at("half").shape, (std::vector<int64_t>{0}));
  EXPECT_EQ(t.at("half").numel(), 0);
}

// Same-length byte patches of a real archive: the zip stays well-formed, one thing breaks.
std::string patched(std::string bytes, const std::string& from, const std::string& to, size_t occurrence) {
  size_t at = bytes.find(from);
  for (size_t k = 0; k < occurrence && at != std::string::npos; ++k) at = bytes.find(from, at + 1);
  if (at == std::string::npos || from.size() != to.size()) throw std::logic_error("patch target not found: " + from);
  bytes.replace(at, from.size(), to);
  return bytes;
}

TEST(PytorchBin, DamagedArchivesThrowNamingFileAndTensor) {
  const std::string model = read_file(kDir + "/pytorch_model.bin");
  const std::string views = read_file(kDir + "/views.bin");
  // The central directory entry for data.pkl: signature, then fields up to the method at +10.
  const size_t central = model.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  std::string compressed = model;
  compressed[central + 10] = 8;

  struct Case {
    std::string label, bytes;
    std::vector<std::string> message_has;
  };
  const std::vector<Case> cases = {
      {"empty", "", {"not a zip archive"}},
      {"legacy pickle", std::string("\x80\x02\x8a\x0a", 4) + std::string(40, 'x'), {"not a zip archive", "PyTorch >= 1.6"}},
      {"foreign global", patched(model, "collections\nOrderedDict", "collections\nOrderedDicX"),
       {"refusing global collections.OrderedDicX", "data.pkl"}},
      // GLOBAL fails before the filler after "system\n" would be read as opcodes.
      {"code execution attempt",
       patched(model, "torch._utils\n_rebuild_tensor_v2\n", "posix\nsystem\n" + std::string(19, 'N')),
       {"refusing global posix.system"}},
      {"missing storage", patched(model, std::string("X\x01\x00\x00\x00" "0q", 7), std::string("X\x01\x00\x00\x00" "Zq", 7)),
       {"\"bert.embeddings.word_embeddings.weight\"", "pytorch_model/data/Z", "missing"}},
      {"no STOP", model.substr(0, model.find(std::string("sb.", 3)) + 2) + std::string("\xff", 1) +
                      model.substr(model.find(std::string("sb.", 3)) + 3),
       {"data.pkl", "unsupported pickle opcode 0xff"}},
      {"compressed entry", compressed, {"compressed (method 8)"}},
      {"view past its storage", patched(views, "QK\x08K\x02K\x03\x86", "QK\x14K\x02K\x03\x86"),
       {"\"sliced\"", "reaches element 28 of a storage of 24"}},
      {"shape past its storage", patched(views, "QK\x08K\x02K\x03\x86", "QK\x08K\x02K\x33\x86"),
       {"\"sliced\"", "more elements than its storage"}},
      {"deflated by a zip tool", read_file(kDir + "/views_deflated.bin"), {"compressed (method 8)"}},
  };
  TempDir dir;
  for (const Case& c : cases) {
    const std::string path = dir.file("pytorch_model.bin");
    write_file(path, c.bytes);
    std::vector<std::string> expected = c.message_has;
    expected.push_back(path);
    expect_runtime_error([&] { load_pytorch_bin(path); }, expected, c.label);
  }
}

uint64_t le(const std::string& b, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
std::string le_bytes(uint64_t v, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// The same archive in zip64 form, as torch.save writes files over 4 GB: every central directory
// size and offset moved into a zip64 extra field, and a zip64 end record + locator.
std::string as_zip64(const std::string& zip) {
  const size_t eocd = zip.rfind("PK\x05\x06");
  const uint64_t count = le(zip, eocd + 10, 2), directory = le(zip, eocd + 16, 4);
  std::string central;
  size_t at = directory;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t name = le(zip, at + 28, 2), extra = le(zip, at + 30, 2), comment = le(zip, at + 32, 2);
    std::string entry = zip.substr(at, 46 + name);
    const std::string zip64 = le_bytes(le(zip, at + 24, 4), 8) + le_bytes(le(zip, at + 20, 4), 8) + le_bytes(le(zip, at + 42, 4), 8);
    entry.replace(20, 4, le_bytes(0xFFFFFFFF, 4));
    entry.replace(24, 4, le_bytes(0xFFFFFFFF, 4));
    entry.replace(42, 4, le_bytes(0xFFFFFFFF, 4));
    entry.replace(30, 2, le_bytes(4 + zip64.size(), 2));
    entry.replace(32, 2, le_bytes(0, 2));
    central += entry + le_bytes(0x0001, 2) + le_bytes(zip64.size(), 2) + zip64;
    at += 46 + name + extra + comment;
  }
  std::string out = zip.substr(0, directory) + central;
  const uint64_t record = out.size();
  out += "PK\x06\x06" + le_bytes(44, 8) + le_bytes(45, 2) + le_bytes(45, 2) + le_bytes(0, 4) + le_bytes(0, 4) +
         le_bytes(count, 8) + le_bytes(count, 8) + le_bytes(central.size(), 8) + le_bytes(directory, 8);
  out += "PK\x06\x07" + le_bytes(0, 4) + le_bytes(record, 8) + le_bytes(1, 4);
  out += "PK\x05\x06" + le_bytes(0, 4) + le_bytes(0xFFFF, 2) + le_bytes(0xFFFF, 2) + le_bytes(0xFFFFFFFF, 4) +
         le_bytes(0xFFFFFFFF, 4) + le_bytes(0, 2);
  return out;
}

TEST(PytorchBin, ReadsZip64Archives) {
  TempDir dir;
  write_file(dir.file("zip64.bin"), as_zip64(read_file(kDir + "/pytorch_model.bin")));
  expect_bit_identical(load_pytorch_bin(dir.file("zip64.bin")), load_pytorch_bin(kDir + "/pytorch_model.bin"), "zip64");
  // A zip64 end record pointing nowhere is an error, not a crash.
  std::string broken = as_zip64(read_file(kDir + "/views.bin"));
  broken.replace(broken.size() - 22 - 20 + 8, 8, le_bytes(1u << 30, 8));
  write_file(dir.file("broken.bin"), broken);
  expect_runtime_error([&] { load_pytorch_bin(dir.file("broken.bin")); }, {dir.file("broken.bin"), "zip64"});
}

TEST(PytorchBin, EveryTruncationIsAnError) {
  const std::string model = read_file(kDir + "/pytorch_model.bin");
  TempDir dir;
  const std::string path = dir.file("cut.bin");
  for (size_t length = 0; length < model.size(); length += (length + 200 < model.size() ? 41 : 1)) {
    write_file(path, model.substr(0, length));
    expect_runtime_error([&] { load_pytorch_bin(path); }, {path}, "cut at " + std::to_string(length));
  }
}

}  // namespace
}  // namespace bertcpp
