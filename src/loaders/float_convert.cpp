#include "loaders/float_convert.h"

#include <cstring>

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace bertcpp::detail {

float half_to_float_scalar(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {  // inf / NaN: keep the payload
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal: rebias 15 -> 127
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // +-0
    bits = sign;
  } else {  // subnormal half = mantissa * 2^-24: normalize into a float32 normal
    exponent = 113;  // 127 - 14
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    mantissa &= 0x3FFu;
    bits = sign | (exponent << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;  // bfloat16 is float32's top half
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

static uint16_t load_u16_le(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

void halfs_to_floats(const unsigned char* src, size_t n, float* dst) {
  size_t i = 0;
#if defined(__F16C__) && (defined(__x86_64__) || defined(__i386__))
  // x86 is little-endian, so the bytes are the halfs as they lie in memory.
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
#endif
  for (; i < n; ++i) dst[i] = half_to_float_scalar(load_u16_le(src + 2 * i));
}

void bfloat16s_to_floats(const unsigned char* src, size_t n, float* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(load_u16_le(src + 2 * i));
}

}  // namespace bertcpp::detail
