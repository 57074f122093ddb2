// The matrix kernel under the encoder: y = x B (+ bias, + activation), with B packed into
// "panels" of kPanel output columns, each stored as one row of kPanel floats per step along
// the shared dimension, 64-byte aligned and zero-padded. A layer's weight is packed once at
// load (PackedLinear); attention packs K and V per head (model/attention.cpp), which costs a
// copy of each but lets every tile stream its panel from contiguous, aligned memory (read in
// place, V's rows are a page apart and the product ran at half speed).
// A tile of kTileRows rows x kPanel columns keeps its accumulators in registers (24 of
// AVX-512's 32) while each step loads two B vectors and broadcasts one x value per row.
#pragma once

#include <bertcpp/loaders/config.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace bertcpp::detail {

constexpr int64_t kPanel = 32;  // output columns per panel: two AVX-512 vectors

inline int64_t panel_count(int64_t cols) { return (cols + kPanel - 1) / kPanel; }

// 64-byte aligned floats (one cache line, one AVX-512 vector), freed with std::free.
struct AlignedFree {
  void operator()(float* p) const;
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;
AlignedFloats aligned_floats(size_t count);

// Floats that pack_panels writes for an [out, in] weight.
inline size_t packed_floats(int64_t out, int64_t in) { return static_cast<size_t>(panel_count(out) * kPanel * in); }

// W [out, in] (y = x W^T: a weight, attention's K), rows `w_stride` floats apart -> panels:
// packed[(p * in + k) * kPanel + c] = W[p * kPanel + c, k], zero past the last row of W.
void pack_panels(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed);

// B [k, n] row-major, rows `b_stride` floats apart (attention's V) -> the same panels:
// packed[(p * k + i) * kPanel + c] = B[i, p * kPanel + c], zero past the last column.
void pack_panels_from_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed);

// y[r, c] = act(bias[c] + sum_i x[r, i] B[i, c]) for r in [0, rows) and the columns of panels
// [first_panel, end_panel) of B [k, n], packed. bias may be null (zero). Strides are in floats.
void gemm_panels(const float* x, int64_t x_stride, int64_t rows, const float* packed, int64_t k, int64_t n,
                 const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
                 std::optional<Activation> activation = std::nullopt);

// ---- bfloat16: x and W rounded to bfloat16 (8-bit mantissa), products summed in float32.
// AVX512_BF16's dot product takes two k steps per instruction, twice float32's rate. The
// panels hold pairs: for each pair of k steps, 16 columns x (k, k+1), then the next 16.
using bf16 = uint16_t;  // the upper half of a float32, rounded to nearest even

// Whether this build has the bfloat16 kernel (compiled for a CPU with AVX512_BF16).
bool bf16_supported();
bf16 to_bf16(float f);
inline float from_bf16(bf16 b) {
  const uint32_t bits = uint32_t{b} << 16;
  float f;
  static_assert(sizeof f == sizeof bits);
  __builtin_memcpy(&f, &bits, sizeof f);
  return f;
}
inline int64_t even(int64_t k) { return (k + 1) / 2 * 2; }  // bfloat16 rows are padded to pairs
inline size_t packed_bf16_count(int64_t out, int64_t in) {
  return static_cast<size_t>(panel_count(out) * kPanel * even(in));
}
// W [out, in] -> bfloat16 panels (zero past the last row and, for odd `in`, the last column).
void pack_panels_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed);
// x [rows, k] -> bfloat16 rows of even(k) values, `out_stride` apart.
void to_bf16_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bf16* out, int64_t out_stride);
// gemm_panels with bfloat16 x (from to_bf16_rows) and B (from pack_panels_bf16); x_stride in values.
void gemm_panels_bf16(const bf16* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,
                      const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
                      std::optional<Activation> activation = std::nullopt);

}  // namespace bertcpp::detail
