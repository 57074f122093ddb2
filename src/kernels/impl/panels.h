// What every variant's matrix kernel shares: packing into panels of P columns and the loop
// over row blocks, panels and tiles that calls the variant's tile. Included only by the
// per-ISA sources inside an anonymous namespace (see vector_math.h for why).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/kernels.h"

namespace bertcpp::kernels {
namespace {

// Rows per pass over all panels: a block of x stays in L2 while every panel streams by.
constexpr int64_t kRowBlock = 384;

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t panels_of(int64_t cols, int64_t P) { return (cols + P - 1) / P; }

template <int64_t P>
void pack_panels(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed) {
  for (int64_t p = 0; p < panels_of(out, P); ++p) {
    float* panel = packed + p * P * in;
    for (int64_t c = 0; c < P; ++c) {
      const int64_t o = p * P + c;
      const float* row = w + o * w_stride;  // each row of W read once, in order
      for (int64_t k = 0; k < in; ++k) panel[k * P + c] = o < out ? row[k] : 0.0f;
    }
  }
}

template <int64_t P>
void pack_panels_from_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed) {
  for (int64_t p = 0; p < panels_of(n, P); ++p) {
    const int64_t cols = imin(P, n - p * P);
    float* panel = packed + p * P * k;
    for (int64_t i = 0; i < k; ++i) {
      std::memcpy(panel + i * P, b + i * b_stride + p * P, static_cast<size_t>(cols) * sizeof(float));
      std::memset(panel + i * P + cols, 0, static_cast<size_t>(P - cols) * sizeof(float));
    }
  }
}

inline bf16 round_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<bf16>((bits >> 16) | 0x40u);  // NaN stays NaN
  bits += 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest, ties to even, as the hardware does
  return static_cast<bf16>(bits >> 16);
}
inline float widen_bf16(bf16 b) {
  const uint32_t bits = uint32_t{b} << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// bfloat16 weights widened in the kernel: the float32 layout, two bytes a value.
template <int64_t P>
size_t plain_bf16_count(int64_t out, int64_t in) {
  return static_cast<size_t>(panels_of(out, P) * P * in);
}
template <int64_t P>
void pack_plain_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed) {
  for (int64_t p = 0; p < panels_of(out, P); ++p) {
    bf16* panel = packed + p * P * in;
    for (int64_t c = 0; c < P; ++c) {
      const int64_t o = p * P + c;
      const float* row = w + o * w_stride;
      for (int64_t k = 0; k < in; ++k) panel[k * P + c] = o < out ? round_bf16(row[k]) : 0;
    }
  }
}
template <int64_t P>
void pack_plain_bf16_from_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, bf16* packed) {
  for (int64_t p = 0; p < panels_of(n, P); ++p) {
    const int64_t cols = imin(P, n - p * P);
    bf16* panel = packed + p * P * k;
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t c = 0; c < P; ++c) panel[i * P + c] = c < cols ? round_bf16(b[i * b_stride + p * P + c]) : 0;
    }
  }
}
template <int64_t P>
float plain_bf16_weight(const bf16* packed, int64_t in, int64_t o, int64_t i) {
  return widen_bf16(packed[((o / P) * in + i) * P + o % P]);
}
inline int64_t no_bf16_rows(int64_t) { return 0; }

// A tile: up to the variant's row count x one panel of `cols` real columns (1..P).
template <typename X, typename W>
using TileFn = void (*)(const X* x, int64_t x_stride, const W* panel, int64_t steps, const float* bias, int cols,
                        float* y, int64_t y_stride);

// Every row block, panel and tile of y = act(x B + bias). tiles[r - 1] runs r rows; `steps`
// is what one tile loops over (k, or k / 2 for bfloat16 pairs), `panel_size` one panel's values.
template <typename X, typename W, int64_t P, int TileRows, void (*Activate)(float*, int64_t, int)>
void run_tiles(const TileFn<X, W>* tiles, const X* x, int64_t x_stride, int64_t rows, const W* packed,
               int64_t panel_size, int64_t steps, int64_t n, const float* bias, float* y, int64_t y_stride,
               int64_t first_panel, int64_t end_panel, int activation) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = imin(rows, r0 + kRowBlock);
    for (int64_t p = first_panel; p < end_panel; ++p) {
      const int cols = static_cast<int>(imin(P, n - p * P));
      const W* panel = packed + p * panel_size;
      const float* panel_bias = bias ? bias + p * P : nullptr;
      for (int64_t r = r0; r < r1; r += TileRows) {
        const int tile_rows = static_cast<int>(imin(TileRows, r1 - r));
        float* tile_y = y + r * y_stride + p * P;
        tiles[tile_rows - 1](x + r * x_stride, x_stride, panel, steps, panel_bias, cols, tile_y, y_stride);
        if (activation >= 0) {  // while the tile is still in L1
          for (int i = 0; i < tile_rows; ++i) Activate(tile_y + i * y_stride, cols, activation);
        }
      }
    }
  }
}

}  // namespace
}  // namespace bertcpp::kernels
