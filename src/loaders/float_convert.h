// IEEE half (F16) and bfloat16 (BF16) -> float32, as stored little-endian in checkpoints.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bertcpp::detail {

// Portable, exact for every input (subnormals, +-inf, NaN payloads kept).
float half_to_float_scalar(uint16_t h);
float bfloat16_to_float(uint16_t b);

// Bulk conversion from possibly unaligned little-endian bytes; uses F16C when compiled for it.
void halfs_to_floats(const unsigned char* src, size_t n, float* dst);
void bfloat16s_to_floats(const unsigned char* src, size_t n, float* dst);

}  // namespace bertcpp::detail
