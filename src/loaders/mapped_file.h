// A whole file mapped read-only into memory (POSIX mmap), unmapped when the last owner goes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace bertcpp::detail {

class MappedFile {
 public:
  // Throws std::runtime_error naming the file (and the OS error) when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // null for an empty file: mmap cannot map zero bytes
};

}  // namespace bertcpp::detail
