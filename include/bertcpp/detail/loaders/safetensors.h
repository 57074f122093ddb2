// A safetensors file, read through a memory map: the lower-level view behind load_safetensors.
//
// Format: 8-byte little-endian header length N, N bytes of JSON header
//   {"__metadata__": {"k": "v", ...}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}
// then the data area; offsets are relative to the data area's start.
// Opening validates the whole header: length within the file and below 100 MB, valid JSON,
// every entry with a known dtype, non-negative shape whose byte size does not overflow,
// 0 <= begin <= end <= data size, end - begin == numel * dtype size, no overlapping ranges,
// no duplicate names. Any violation is std::runtime_error naming the file (and the tensor).
#pragma once

#include <bertcpp/detail/loaders/tensor.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertcpp {

namespace detail {
class MappedFile;
}

struct SafetensorsEntry {
  std::string dtype;  // as written: "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", ...
  std::vector<int64_t> shape;
  size_t begin = 0;  // byte range within the data area
  size_t end = 0;

  int64_t numel() const;
};

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  // These throw std::runtime_error naming the file and the tensor when it is absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::string& dtype(const std::string& name) const { return entry(name).dtype; }
  const std::vector<int64_t>& shape(const std::string& name) const { return entry(name).shape; }
  // The tensor's raw little-endian bytes, pointing into the map (valid while this object lives).
  std::string_view raw_bytes(const std::string& name) const;
  // The "__metadata__" string map (empty when the file has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // float32 view: F32 in place from the map when 4-byte aligned (copied otherwise); F16, BF16
  // and F64 converted. Other dtypes: std::runtime_error naming the tensor and its dtype.
  Tensor to_float(const std::string& name) const;
  // Integer tensors (I64, I32, I16, I8, U8, BOOL) widened, e.g. the token ids of test references.
  std::vector<int64_t> to_int64(const std::string& name) const;

  static bool is_float_dtype(const std::string& dtype);  // F32, F16, BF16, F64

 private:
  std::string path_;
  std::shared_ptr<const detail::MappedFile> file_;
  const unsigned char* data_area_ = nullptr;
  size_t data_size_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace bertcpp
