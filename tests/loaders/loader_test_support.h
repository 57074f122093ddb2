// Helpers for the loader tests: a scratch directory and hand-built safetensors bytes, so each
// corrupt input is made right in the test that expects it to fail.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bertcpp::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bertcpp_loaders_XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string u64_le(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// 8-byte length + header text as given + data: for headers that are wrong on purpose.
inline std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A well-formed file: tensors laid out back to back in the order added.
class SafetensorsBuilder {
 public:
  SafetensorsBuilder& add(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape,
                          const std::string& bytes) {
    std::string shape_text = "[";
    for (size_t i = 0; i < shape.size(); ++i) shape_text += (i ? "," : "") + std::to_string(shape[i]);
    shape_text += "]";
    entries_ += (entries_.empty() ? "" : ",") + std::string("\"") + name + "\":{\"dtype\":\"" + dtype +
                "\",\"shape\":" + shape_text + ",\"data_offsets\":[" + std::to_string(data_.size()) + "," +
                std::to_string(data_.size() + bytes.size()) + "]}";
    data_ += bytes;
    return *this;
  }
  SafetensorsBuilder& metadata(const std::string& json_object) {
    metadata_ = json_object;
    return *this;
  }
  // pad_to: header padded with spaces so the data area starts at a multiple of it (the format
  // allows it; 8 is what the reference writer does). 1 = no padding.
  std::string build(size_t pad_to = 8) const {
    std::string header = "{";
    if (!metadata_.empty()) header += "\"__metadata__\":" + metadata_ + (entries_.empty() ? "" : ",");
    header += entries_ + "}";
    while ((8 + header.size()) % pad_to != 0) header += ' ';
    return safetensors_bytes(header, data_);
  }

 private:
  std::string entries_;
  std::string metadata_;
  std::string data_;
};

// Runs `load` and checks it throws std::runtime_error whose message holds every substring.
inline void expect_runtime_error(const std::function<void()>& load, const std::vector<std::string>& substrings,
                                 const std::string& label = "") {
  try {
    load();
    ADD_FAILURE() << label << ": expected std::runtime_error, nothing thrown";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    for (const std::string& s : substrings)
      EXPECT_NE(message.find(s), std::string::npos) << label << ": message \"" << message << "\" lacks \"" << s << "\"";
  } catch (const std::exception& e) {
    ADD_FAILURE() << label << ": expected std::runtime_error, got another exception: " << e.what();
  }
}

}  // namespace bertcpp::testing
