#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include "model/gemm.h"

#include "model/kernels.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace bertcpp::detail {

namespace {

constexpr int kTileRows = 12;
// Rows per pass over all panels: a block of x stays in L2 while every panel streams by.
constexpr int64_t kRowBlock = 384;

#if defined(__AVX512F__)

// Up to kTileRows rows x one panel; `cols` (1..kPanel) of the panel are real, the rest zero.
template <int R>
void tile(const float* x, int64_t x_stride, const float* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  const auto lo = static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
  const auto hi = static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
  const __m512 b0 = bias ? _mm512_maskz_loadu_ps(lo, bias) : _mm512_setzero_ps();
  const __m512 b1 = bias ? _mm512_maskz_loadu_ps(hi, bias + 16) : _mm512_setzero_ps();
  __m512 acc[R][2];
  for (int i = 0; i < R; ++i) {
    acc[i][0] = b0;
    acc[i][1] = b1;
  }
  for (int64_t k = 0; k < K; ++k) {
    const __m512 w0 = _mm512_load_ps(panel + k * kPanel), w1 = _mm512_load_ps(panel + k * kPanel + 16);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      const __m512 a = _mm512_set1_ps(x[i * x_stride + k]);  // folds into the FMA's broadcast operand
      acc[i][0] = _mm512_fmadd_ps(a, w0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, w1, acc[i][1]);
    }
  }
  for (int i = 0; i < R; ++i) {
    _mm512_mask_storeu_ps(y + i * y_stride, lo, acc[i][0]);
    _mm512_mask_storeu_ps(y + i * y_stride + 16, hi, acc[i][1]);
  }
}

#else  // portable: the same tile as plain loops, which the compiler vectorizes for the target

template <int R>
void tile(const float* x, int64_t x_stride, const float* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  float acc[R][kPanel];
  for (int i = 0; i < R; ++i) {
    for (int c = 0; c < kPanel; ++c) acc[i][c] = bias != nullptr && c < cols ? bias[c] : 0.0f;
  }
  for (int64_t k = 0; k < K; ++k) {
    const float* w = panel + k * kPanel;
    for (int i = 0; i < R; ++i) {
      const float a = x[i * x_stride + k];
      for (int c = 0; c < kPanel; ++c) acc[i][c] += a * w[c];
    }
  }
  for (int i = 0; i < R; ++i) std::memcpy(y + i * y_stride, acc[i], static_cast<size_t>(cols) * sizeof(float));
}

#endif

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, const float*, int, float*, int64_t);

template <size_t... R>
constexpr std::array<TileFn, sizeof...(R)> tile_table(std::index_sequence<R...>) {
  return {&tile<static_cast<int>(R) + 1>...};
}
constexpr auto kTiles = tile_table(std::make_index_sequence<kTileRows>());  // kTiles[r - 1]: r rows

}  // namespace

void AlignedFree::operator()(float* p) const { std::free(p); }

AlignedFloats aligned_floats(size_t count) {
  const size_t bytes = (std::max<size_t>(count, 1) * sizeof(float) + 63) / 64 * 64;  // aligned_alloc's rule
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) throw std::bad_alloc();
  return AlignedFloats(p);
}

void pack_panels(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed) {
  for (int64_t p = 0; p < panel_count(out); ++p) {
    float* panel = packed + p * kPanel * in;
    for (int64_t c = 0; c < kPanel; ++c) {
      const int64_t o = p * kPanel + c;
      const float* row = w + o * w_stride;  // each row of W read once, in order
      for (int64_t k = 0; k < in; ++k) panel[k * kPanel + c] = o < out ? row[k] : 0.0f;
    }
  }
}

void pack_panels_from_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed) {
  for (int64_t p = 0; p < panel_count(n); ++p) {
    const int64_t cols = std::min(kPanel, n - p * kPanel);
    float* panel = packed + p * kPanel * k;
    for (int64_t i = 0; i < k; ++i) {
      std::memcpy(panel + i * kPanel, b + i * b_stride + p * kPanel, static_cast<size_t>(cols) * sizeof(float));
      std::fill(panel + i * kPanel + cols, panel + (i + 1) * kPanel, 0.0f);
    }
  }
}

void gemm_panels(const float* x, int64_t x_stride, int64_t rows, const float* packed, int64_t k, int64_t n,
                 const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
                 std::optional<Activation> activation) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = std::min(rows, r0 + kRowBlock);
    for (int64_t p = first_panel; p < end_panel; ++p) {
      const int cols = static_cast<int>(std::min(kPanel, n - p * kPanel));
      const float* panel = packed + p * kPanel * k;
      const float* panel_bias = bias ? bias + p * kPanel : nullptr;
      for (int64_t r = r0; r < r1; r += kTileRows) {
        const int tile_rows = static_cast<int>(std::min<int64_t>(kTileRows, r1 - r));
        float* tile_y = y + r * y_stride + p * kPanel;
        kTiles[static_cast<size_t>(tile_rows - 1)](x + r * x_stride, x_stride, panel, k, panel_bias, cols, tile_y,
                                                   y_stride);
        if (activation) {  // while the tile is still in L1
          for (int i = 0; i < tile_rows; ++i) activate(tile_y + i * y_stride, cols, *activation);
        }
      }
    }
  }
}

}  // namespace bertcpp::detail
