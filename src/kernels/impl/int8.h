// What every variant's int8 matrix kernel shares: packing into the s8 layout (kernels.h), the
// epilogue that turns a tile's int32 sums into float32, and the loop over row blocks, panels
// and tiles. Included only by the per-ISA sources inside an anonymous namespace, after
// vector_math.h (see there for why).
//
// Saturation, and why the sums are exact on every variant: x and W are both symmetric s8 with
// |q| <= 127 (never -128). vpdpbusd (AVX-512 VNNI) multiplies u8 by s8 and adds four products
// straight into int32, so x goes in as u8 = q + 128 and the tile subtracts 128 x the column's
// sum of W, stored with the panel: exact. vpmaddubsw (AVX2) adds each pair of u8 x s8 products
// into int16 with saturation; with u8 = q + 128 a pair reaches 2 x 255 x 127 = 64770 and would
// saturate, so AVX2 multiplies |x| by W with x's sign moved onto it (vpsignb):
// |x| * sign(W, x) = x * W, and a pair is at most 2 x 127 x 127 = 32258 < 32767, never
// saturated; vpmaddwd by ones then adds the pairs into int32, exact. (The usual alternative,
// u8 x s8 as it comes, can saturate there; oneDNN's answer is 7-bit weights, which halves
// their resolution. The cost here is one vpsignb per row and vector, and |x| per row.)
// The int32 sums are therefore the exact integers on every variant and every thread count, and
// the epilogue below is one piece of code with contraction off: the float32 result of a
// product without activation is the same bits on every variant. (The VNNI tile does the same
// operations in the same order in registers; int8_kernels_test compares every variant's bits.)
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"

namespace bertcpp::kernels {
namespace {

template <int64_t P>
void pack_s8_panels(const int8_t* q, int64_t out, int64_t in, int8_t* packed) {
  const S8Layout L = s8_layout(P, in);
  for (int64_t p = 0; p < panels_of(out, P); ++p) {
    int8_t* panel = packed + p * L.panel_bytes();
    int32_t sums[P] = {};
    for (int64_t c = 0; c < P; ++c) {
      const int64_t o = p * P + c;
      for (int64_t i = 0; i < L.k4; ++i) {
        const int8_t w = o < out && i < in ? q[o * in + i] : 0;
        panel[(i / 4) * 4 * P + c * 4 + i % 4] = w;
        sums[c] += w;
      }
    }
    for (int64_t c = 0; c < P; ++c) sums[c] *= 128;
    std::memcpy(panel + P * L.k4, sums, sizeof sums);
  }
}

// y[0, c) = float(acc[c]) * (x_scale * w_scale[c]) + bias[c]: the same operations in the same
// order on every variant (V's width changes nothing element-wise), never contracted into an
// FMA, which only some variants have.
#if defined(__clang__)
template <typename V, typename VI, int64_t P>
void dequantize_row(const int32_t* acc, float x_scale, const float* w_scale, const float* bias, int cols, float* y) {
#pragma clang fp contract(off)
#else
template <typename V, typename VI, int64_t P>
__attribute__((optimize("fp-contract=off"))) void dequantize_row(const int32_t* acc, float x_scale,
                                                                   const float* w_scale, const float* bias, int cols,
                                                                   float* y) {
#endif
  constexpr int L = lanes<V>();
  const bool whole = cols == P;  // a partial panel goes through zero-padded buffers
  alignas(64) float edge[P] = {}, out[P];
  if (bias != nullptr && !whole) std::memcpy(edge, bias, static_cast<size_t>(cols) * sizeof(float));
  const float* b = bias == nullptr || !whole ? edge : bias;
  float* dst = whole ? y : out;
  for (int64_t c = 0; c < P; c += L) {
    VI a;
    std::memcpy(&a, acc + c, sizeof a);
    const V s = x_scale * load<V>(w_scale + c);
    store(dst + c, __builtin_convertvector(a, V) * s + load<V>(b + c));
  }
  if (!whole) std::memcpy(y, out, static_cast<size_t>(cols) * sizeof(float));
}

// Symmetric int8 quantization of rows (kernels.h, quantize_rows), L floats at a time (VF): each
// element's q comes from the same IEEE operations whatever L is (x * inv rounded, + or - 0.5
// rounded, truncated, clamped), never contracted into an FMA, so every variant's q is the
// generic one's. Written for the vector width of the variant that compiles it, because at
// SSE2 width quantizing a product's input cost an eighth of an int8 forward pass.
#if defined(__clang__)
template <typename VF, typename VS, typename VQ>
void quantize_rows_of(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                      int64_t out_stride, float* scale) {
#pragma clang fp contract(off)
#else
template <typename VF, typename VS, typename VQ>
__attribute__((optimize("fp-contract=off"))) void quantize_rows_of(const float* x, int64_t x_stride, int64_t rows,
                                                                     int64_t k, bool offset, int8_t* out,
                                                                     int64_t out_stride, float* scale) {
#endif
  constexpr int L = lanes<VF>();  // VF: L floats, VS: L int32, VQ: L int8
  const int bias = offset ? 128 : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * x_stride;
    int8_t* q = out + r * out_stride;
    float tail[L] = {};  // the last k % L values, zero-padded: the final step reads them here
    const int64_t body = k / L * L;
    std::memcpy(tail, row + body, static_cast<size_t>(k - body) * sizeof(float));
    auto at = [&](int64_t i) {
      VF v;
      std::memcpy(&v, i < body ? row + i : tail, sizeof v);
      return v;
    };
    VF m{};
    for (int64_t i = 0; i < k; i += L) {
      const VF v = at(i);
      const VF a = v < 0.0f ? -v : v;
      m = a > m ? a : m;
    }
    float absmax = 0.0f;
    for (int j = 0; j < L; ++j) absmax = m[j] > absmax ? m[j] : absmax;
    const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
    scale[r] = absmax / 127.0f;
    auto quantize = [&](int64_t i) {
      const VF v = at(i) * inv;
      const VF half = v < 0.0f ? VF{} - 0.5f : VF{} + 0.5f;  // half away from zero by truncation
      VS n = __builtin_convertvector(v + half, VS);
      n = n > 127 ? VS{} + 127 : n;
      n = n < -127 ? VS{} - 127 : n;
      n = v == v ? n : VS{};                                    // NaN (inf x 0) becomes 0
      return __builtin_convertvector(n + bias, VQ);             // the low byte: u8 as the same bits
    };
    int64_t i = 0;
    for (; i < body; i += L) {  // a constant-size copy: a variable one was a memcpy call per vector
      const VQ b = quantize(i);
      std::memcpy(q + i, &b, sizeof b);
    }
    if (i < k) {
      const VQ b = quantize(i);
      std::memcpy(q + i, &b, static_cast<size_t>(k - i));
    }
    for (int64_t i = k; i < out_stride; ++i) q[i] = static_cast<int8_t>(static_cast<uint8_t>(bias));
  }
}

// A tile's rows of int32 sums -> y: dequantized (dequantize_row), then activated while in L1.
template <typename V, typename VI, int64_t P>
void finish_s8_rows(const int32_t* sums, int rows, const float* x_scale, const float* w_scale, const float* bias,
                    int cols, float* y, int64_t y_stride, int activation) {
  for (int i = 0; i < rows; ++i) {
    dequantize_row<V, VI, P>(sums + i * P, x_scale[i], w_scale, bias, cols, y + i * y_stride);
    activate_row<V>(y + i * y_stride, cols, activation);
  }
}

// An int8 tile: up to the variant's row count x one panel, y = act(dequantized sums).
using S8TileFn = void (*)(const int8_t* x, int64_t x_stride, const float* x_scale, const int8_t* panel,
                          int64_t groups, const float* w_scale, const float* bias, int cols, float* y,
                          int64_t y_stride, int activation);

template <int64_t P, int TileRows>
void run_s8_tiles(const S8TileFn* tiles, const int8_t* x, int64_t x_stride, const float* x_scale, int64_t rows,
                  const int8_t* packed, const float* w_scale, int64_t k, int64_t n, const float* bias, float* y,
                  int64_t y_stride, int64_t first_panel, int64_t end_panel, int activation) {
  const S8Layout L = s8_layout(P, k);
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = imin(rows, r0 + kRowBlock);
    for (int64_t p = first_panel; p < end_panel; ++p) {
      const int cols = static_cast<int>(imin(P, n - p * P));
      const float* panel_bias = bias ? bias + p * P : nullptr;
      for (int64_t r = r0; r < r1; r += TileRows) {
        const int tile_rows = static_cast<int>(imin(TileRows, r1 - r));
        tiles[tile_rows - 1](x + r * x_stride, x_stride, x_scale + r, packed + p * L.panel_bytes(), L.k4 / 4,
                             w_scale + p * P, panel_bias, cols, y + r * y_stride + p * P, y_stride, activation);
      }
    }
  }
}

}  // namespace
}  // namespace bertcpp::kernels
