#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include "model/gemm.h"

#include "model/kernels.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
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

// A tile's accumulators: R rows x one panel as two 16-lane vectors a row. Only `cols`
// (1..kPanel) columns are real: the masks keep the bias load and the stores inside them.
template <int R>
struct Accumulators {
  __m512 acc[R][2];
  __mmask16 lo, hi;

  Accumulators(const float* bias, int cols)
      : lo(static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1)),
        hi(static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1)) {
    const __m512 b0 = bias ? _mm512_maskz_loadu_ps(lo, bias) : _mm512_setzero_ps();
    const __m512 b1 = bias ? _mm512_maskz_loadu_ps(hi, bias + 16) : _mm512_setzero_ps();
    for (int i = 0; i < R; ++i) {
      acc[i][0] = b0;
      acc[i][1] = b1;
    }
  }
  void store(float* y, int64_t y_stride) const {
    for (int i = 0; i < R; ++i) {
      _mm512_mask_storeu_ps(y + i * y_stride, lo, acc[i][0]);
      _mm512_mask_storeu_ps(y + i * y_stride + 16, hi, acc[i][1]);
    }
  }
};

// Up to kTileRows rows x one panel; the panel is zero past its real columns.
template <int R>
void tile(const float* x, int64_t x_stride, const float* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  Accumulators<R> t(bias, cols);
  auto& acc = t.acc;
  for (int64_t k = 0; k < K; ++k) {
    const __m512 w0 = _mm512_load_ps(panel + k * kPanel), w1 = _mm512_load_ps(panel + k * kPanel + 16);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      const __m512 a = _mm512_set1_ps(x[i * x_stride + k]);  // folds into the FMA's broadcast operand
      acc[i][0] = _mm512_fmadd_ps(a, w0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, w1, acc[i][1]);
    }
  }
  t.store(y, y_stride);
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

#if defined(__AVX512BF16__)

// The bfloat16 tile: x rows hold pairs (k, k+1) of bfloat16; `pairs` steps of two.
template <int R>
void tile_bf16(const bf16* x, int64_t x_stride, const bf16* panel, int64_t pairs, const float* bias, int cols,
               float* y, int64_t y_stride) {
  Accumulators<R> t(bias, cols);
  auto& acc = t.acc;
  for (int64_t k = 0; k < pairs; ++k) {
    const auto w0 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + k * 2 * kPanel));
    const auto w1 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + k * 2 * kPanel + kPanel));
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      uint32_t pair;
      std::memcpy(&pair, x + i * x_stride + 2 * k, sizeof pair);
      const auto a = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pair)));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, w0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, w1);
    }
  }
  t.store(y, y_stride);
}

template <int R>
struct Bf16Tile {
  static void run(const bf16* x, int64_t xs, const bf16* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
    tile_bf16<R>(x, xs, p, k, b, c, y, ys);
  }
};

#endif

template <typename T>
using TileFn = void (*)(const T*, int64_t, const T*, int64_t, const float*, int, float*, int64_t);

template <typename T, template <int> class Tile, size_t... R>
constexpr std::array<TileFn<T>, sizeof...(R)> tile_table(std::index_sequence<R...>) {
  return {&Tile<static_cast<int>(R) + 1>::run...};
}
template <int R>
struct FloatTile {
  static void run(const float* x, int64_t xs, const float* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
    tile<R>(x, xs, p, k, b, c, y, ys);
  }
};
constexpr auto kTiles = tile_table<float, FloatTile>(std::make_index_sequence<kTileRows>());  // [r - 1]: r rows

// Every row block, panel and tile of y = act(x B + bias): `steps` is what one tile loops over
// (k, or k / 2 for bfloat16 pairs) and `panel_size` the values one panel holds.
template <typename T>
void run_tiles(const std::array<TileFn<T>, kTileRows>& tiles, const T* x, int64_t x_stride, int64_t rows,
               const T* packed, int64_t panel_size, int64_t steps, int64_t n, const float* bias, float* y,
               int64_t y_stride, int64_t first_panel, int64_t end_panel, std::optional<Activation> activation) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = std::min(rows, r0 + kRowBlock);
    for (int64_t p = first_panel; p < end_panel; ++p) {
      const int cols = static_cast<int>(std::min(kPanel, n - p * kPanel));
      const T* panel = packed + p * panel_size;
      const float* panel_bias = bias ? bias + p * kPanel : nullptr;
      for (int64_t r = r0; r < r1; r += kTileRows) {
        const int tile_rows = static_cast<int>(std::min<int64_t>(kTileRows, r1 - r));
        float* tile_y = y + r * y_stride + p * kPanel;
        tiles[static_cast<size_t>(tile_rows - 1)](x + r * x_stride, x_stride, panel, steps, panel_bias, cols, tile_y,
                                                  y_stride);
        if (activation) {  // while the tile is still in L1
          for (int i = 0; i < tile_rows; ++i) activate(tile_y + i * y_stride, cols, *activation);
        }
      }
    }
  }
}

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
  run_tiles<float>(kTiles, x, x_stride, rows, packed, kPanel * k, k, n, bias, y, y_stride, first_panel, end_panel,
                   activation);
}

bool bf16_supported() {
#if defined(__AVX512BF16__)
  return true;
#else
  return false;
#endif
}

bf16 to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<bf16>((bits >> 16) | 0x40u);  // NaN stays NaN
  bits += 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest, ties to even, as the hardware does
  return static_cast<bf16>(bits >> 16);
}

void pack_panels_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed) {
  const int64_t pairs = even(in) / 2;
  for (int64_t p = 0; p < panel_count(out); ++p) {
    bf16* panel = packed + p * kPanel * even(in);
    for (int64_t c = 0; c < kPanel; ++c) {
      const int64_t o = p * kPanel + c;
      const float* row = w + o * w_stride;
      // Column c's pair (k, k+1) sits at 2 * (c mod 16) within the half of the step it falls in.
      bf16* column = panel + (c / 16) * kPanel + 2 * (c % 16);
      for (int64_t k = 0; k < pairs; ++k) {
        column[k * 2 * kPanel] = o < out ? to_bf16(row[2 * k]) : 0;
        column[k * 2 * kPanel + 1] = o < out && 2 * k + 1 < in ? to_bf16(row[2 * k + 1]) : 0;
      }
    }
  }
}

void to_bf16_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bf16* out, int64_t out_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * x_stride;
    bf16* row = out + r * out_stride;
    int64_t i = 0;
#if defined(__AVX512BF16__)
    for (; i + 32 <= k; i += 32) {  // 32 values per instruction, the same rounding as to_bf16
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(in + i + 16), _mm512_loadu_ps(in + i));
      _mm512_storeu_si512(row + i, reinterpret_cast<__m512i>(v));
    }
#endif
    for (; i < k; ++i) row[i] = to_bf16(in[i]);
    if (k % 2 != 0) row[k] = 0;
  }
}

void gemm_panels_bf16(const bf16* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,
                      const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
                      std::optional<Activation> activation) {
#if defined(__AVX512BF16__)
  static constexpr auto kBf16Tiles = tile_table<bf16, Bf16Tile>(std::make_index_sequence<kTileRows>());
  run_tiles<bf16>(kBf16Tiles, x, x_stride, rows, packed, kPanel * even(k), even(k) / 2, n, bias, y, y_stride,
                  first_panel, end_panel, activation);
#else
  (void)x, (void)x_stride, (void)rows, (void)packed, (void)k, (void)n, (void)bias, (void)y, (void)y_stride;
  (void)first_panel, (void)end_panel, (void)activation;
  throw std::logic_error("gemm_panels_bf16: this build has no bfloat16 kernel (check bf16_supported())");
#endif
}

}  // namespace bertcpp::detail
