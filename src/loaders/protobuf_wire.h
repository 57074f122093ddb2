// Just enough of the protobuf wire format to read TensorFlow's small checkpoint protos
// (varints, fixed32/64, length-delimited fields) without libprotobuf.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bertcpp::detail {

// Thrown on malformed input; callers add the file and the tensor to the message.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return p_ == end_; }
  std::string_view remaining() const { return {p_, static_cast<size_t>(end_ - p_)}; }
  void advance(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) throw WireError("advance past the end");
    p_ += n;
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) throw WireError("truncated varint");
      const auto byte = static_cast<unsigned char>(*p_++);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    throw WireError("varint longer than 10 bytes");
  }
  uint32_t fixed32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t fixed64() { return fixed(8); }
  std::string_view bytes() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) throw WireError("length-delimited field runs past the end");
    std::string_view out(p_, static_cast<size_t>(n));
    p_ += n;
    return out;
  }

  // Reads a field key; returns false at the end of the message.
  bool next(uint32_t& field, uint32_t& wire_type) {
    if (done()) return false;
    const uint64_t key = varint();
    field = static_cast<uint32_t>(key >> 3);
    wire_type = static_cast<uint32_t>(key & 7);
    if (field == 0) throw WireError("field number 0");
    return true;
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1: fixed(8); return;
      case 2: bytes(); return;
      case 5: fixed(4); return;
      default: throw WireError("unsupported wire type " + std::to_string(wire_type));
    }
  }

 private:
  uint64_t fixed(int n) {
    if (end_ - p_ < n) throw WireError("truncated fixed-width field");
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p_[i]);
    p_ += n;
    return v;
  }

  const char* p_;
  const char* end_;
};

}  // namespace bertcpp::detail
