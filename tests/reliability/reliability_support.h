// Helpers shared by the reliability tests: scratch directories, hand-made checkpoint bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bertcpp::testing {

// A fresh directory removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("bertcpp-reliability-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string u64_le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

inline std::string floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  size_t i = 0;
  for (float v : values) std::memcpy(&s[4 * i++], &v, 4);
  return s;
}

// A safetensors file: 8-byte length, the header text as given, then the data area.
inline std::string safetensors(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

// The committed fuzz seeds are valid files made from scratch (fuzz/make_seeds.py).
inline std::string fuzz_seed(const std::string& target, const std::string& name) {
  return read_file(std::string(BERTCPP_TEST_DATA) + "/../../fuzz/corpus/" + target + "/" + name);
}

// A small valid TF bundle (index table + one data shard) written under `prefix`.
struct TfBundle {
  std::string index, data;
};
inline TfBundle small_tf_bundle() {
  const std::string seed = fuzz_seed("tf_checkpoint_fuzzer", "small_bundle");
  uint32_t index_size = 0;
  std::memcpy(&index_size, seed.data() + 1, 4);
  return {seed.substr(5, index_size), seed.substr(5 + index_size)};
}
inline void write_tf_bundle(const std::string& prefix, const TfBundle& b) {
  write_file(prefix + ".index", b.index);
  write_file(prefix + ".data-00000-of-00001", b.data);
}

}  // namespace bertcpp::testing
