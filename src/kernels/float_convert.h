// The one place float formats are converted: IEEE half (F16) and bfloat16 (BF16) -> float32 as
// stored little-endian in checkpoints, and float32 -> bfloat16 for the bfloat16 kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bertcpp::detail {

// Portable, exact for every input (subnormals, +-inf, NaN payloads kept).
float half_to_float_scalar(uint16_t h);
float bfloat16_to_float(uint16_t b);
// Round to nearest, ties to even, as the hardware does; NaN stays NaN.
uint16_t float_to_bfloat16(float f);

// Bulk conversion from possibly unaligned little-endian bytes, on the CPU's fastest route
// (F16C where the kernels' variant has it).
void halfs_to_floats(const unsigned char* src, size_t n, float* dst);
void bfloat16s_to_floats(const unsigned char* src, size_t n, float* dst);

}  // namespace bertcpp::detail
