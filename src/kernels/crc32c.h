// CRC-32C (Castagnoli), as LevelDB tables and TensorFlow checkpoints store it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bertcpp::detail {

uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n);
inline uint32_t crc32c(const unsigned char* data, size_t n) { return crc32c_extend(0, data, n); }
// Portable path, the generic variant's; exposed so tests can compare the two.
uint32_t crc32c_extend_portable(uint32_t crc, const unsigned char* data, size_t n);

// Stored CRCs are "masked" so that a CRC of data holding CRCs stays well distributed.
inline uint32_t crc32c_unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}
inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace bertcpp::detail
