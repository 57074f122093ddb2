#include "kernels/float_convert.h"

#include "kernels/kernels.h"
#include "kernels/variants.h"

#include <cstring>

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

uint16_t float_to_bfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // NaN stays NaN
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

static uint16_t load_u16_le(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

void halfs_to_floats(const unsigned char* src, size_t n, float* dst) { kernels::active().halfs_to_floats(src, n, dst); }

void bfloat16s_to_floats(const unsigned char* src, size_t n, float* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(load_u16_le(src + 2 * i));
}

}  // namespace bertcpp::detail

namespace bertcpp::kernels::generic {

void halfs_to_floats(const unsigned char* src, size_t n, float* dst) {
  for (size_t i = 0; i < n; ++i) {
    dst[i] = detail::half_to_float_scalar(static_cast<uint16_t>(src[2 * i] | (src[2 * i + 1] << 8)));
  }
}

}  // namespace bertcpp::kernels::generic
