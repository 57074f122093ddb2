#include "kernels/crc32c.h"

#include "kernels/kernels.h"
#include "kernels/variants.h"

#include <array>

namespace bertcpp::detail {
namespace {

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected Castagnoli
    table[i] = c;
  }
  return table;
}

}  // namespace

uint32_t crc32c_extend_portable(uint32_t crc, const unsigned char* data, size_t n) {
  static const std::array<uint32_t, 256> table = make_table();
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

// SSE4.2's crc32 instruction where the kernels' variant has it (kernels/x86_avx2).
uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n) {
  return kernels::active().crc32c_extend(crc, data, n);
}

}  // namespace bertcpp::detail

namespace bertcpp::kernels::generic {

uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n) {
  return detail::crc32c_extend_portable(crc, data, n);
}

}  // namespace bertcpp::kernels::generic
