// safetensors bytes -> SafetensorsFile / load_safetensors. Every tensor accepted must lie inside
// the data area and read back exactly the input's bytes at its offsets.
#include "fuzz_support.h"

#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include <cstring>
#include <optional>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bertcpp::fuzz::check;
  static const std::string path = bertcpp::fuzz::scratch_path("-model.safetensors");
  bertcpp::fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  std::optional<bertcpp::SafetensorsFile> file;
  try {
    file.emplace(path);
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, path);
    return 0;
  }
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | data[i];
  const size_t data_start = 8 + static_cast<size_t>(header_size);

  float sink = 0;
  for (const std::string& name : file->names()) {
    const bertcpp::SafetensorsEntry& e = file->entry(name);
    check(e.begin <= e.end && data_start + e.end <= size, "accepted entry lies outside the file");
    const std::string_view raw = file->raw_bytes(name);
    check(raw.size() == e.end - e.begin, "raw_bytes size differs from data_offsets");
    check(raw.empty() || std::memcmp(raw.data(), data + data_start + e.begin, raw.size()) == 0,
          "raw_bytes are not the file's bytes at data_offsets");
    try {
      if (bertcpp::SafetensorsFile::is_float_dtype(e.dtype)) {
        const bertcpp::Tensor t = file->to_float(name);
        check(t.numel() == e.numel(), "to_float changed the element count");
        for (int64_t i = 0; i < t.numel(); ++i) sink += t.data[i];
      } else {
        const std::vector<int64_t> v = file->to_int64(name);
        check(static_cast<int64_t>(v.size()) == e.numel(), "to_int64 changed the element count");
      }
    } catch (const std::runtime_error& err) {  // e.g. an F8 tensor: neither float nor integer
      bertcpp::fuzz::check_names(err, path);
      bertcpp::fuzz::check_names(err, name);
    }
  }
  try {
    const bertcpp::TensorMap tensors = bertcpp::load_safetensors(path);
    for (const auto& [name, t] : tensors) check(file->contains(name), "load_safetensors invented a tensor");
  } catch (const std::runtime_error& e) {
    check(false, "load_safetensors rejected a file SafetensorsFile accepted");
  }
  volatile float keep = sink;
  (void)keep;
  return 0;
}
