#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include <bertcpp/model/packed_linear.h>

#include "model/kernels.h"
#include "model/parallel.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace bertcpp {

namespace {

// Layout: the output columns in panels of kPanel; a panel holds its columns' weights k-major,
// panel[k * kPanel + c] = W[panel_start + c, k], zero past the last column. A tile of kRows
// rows x kPanel columns then keeps its 2 x kRows accumulators in registers (24 of AVX-512's
// 32) while each k step loads two weight vectors and broadcasts one x value per row.
constexpr int64_t kPanel = 32;
constexpr int kRows = 12;
// Rows per pass over all panels: a block of x stays in L2 while every panel streams by.
constexpr int64_t kRowBlock = 384;

int64_t panel_count(int64_t out) { return (out + kPanel - 1) / kPanel; }

#if defined(__AVX512F__)

template <int R>
void tile(const float* x, int64_t x_stride, const float* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  const __mmask16 lo = static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
  const __mmask16 hi = static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
  const __m512 b0 = _mm512_maskz_loadu_ps(lo, bias), b1 = _mm512_maskz_loadu_ps(hi, bias + 16);
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
    for (int c = 0; c < kPanel; ++c) acc[i][c] = c < cols ? bias[c] : 0.0f;
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
constexpr auto kTiles = tile_table(std::make_index_sequence<kRows>());  // kTiles[r - 1]: r rows

struct AlignedFree {
  void operator()(const float* p) const { std::free(const_cast<float*>(p)); }
};

}  // namespace

PackedLinear::PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in)
    : bias_(bias), out_(out), in_(in) {
  if (weight == nullptr || bias == nullptr || out <= 0 || in <= 0) {
    throw std::invalid_argument("PackedLinear: empty weight [" + std::to_string(out) + ", " + std::to_string(in) +
                                "] or null data");
  }
  // 64-byte aligned (one cache line, one AVX-512 vector); aligned_alloc wants a multiple of it.
  const size_t floats = static_cast<size_t>(panel_count(out) * kPanel * in);
  const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
  auto* packed = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (packed == nullptr) throw std::bad_alloc();
  packed_ = std::shared_ptr<const float>(packed, AlignedFree());
  for (int64_t p = 0; p < panel_count(out); ++p) {
    float* panel = packed + p * kPanel * in;
    for (int64_t c = 0; c < kPanel; ++c) {
      const int64_t o = p * kPanel + c;
      const float* row = weight + o * in;  // read each weight row once, in order
      for (int64_t k = 0; k < in; ++k) panel[k * kPanel + c] = o < out ? row[k] : 0.0f;
    }
  }
}

float PackedLinear::weight(int64_t o, int64_t i) const {
  return packed_.get()[(o / kPanel) * kPanel * in_ + i * kPanel + o % kPanel];
}

void PackedLinear::apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
                         std::optional<Activation> activation) const {
  const int64_t panels = panel_count(out_);
  // Panels [first, end) for all rows: each thread owns whole output columns, so no two
  // threads write the same cache line of y except at a panel edge, and none waits on another.
  auto run = [&](size_t first, size_t end, int /*worker*/) {
    for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int64_t r1 = std::min(rows, r0 + kRowBlock);
      for (auto p = static_cast<int64_t>(first); p < static_cast<int64_t>(end); ++p) {
        const int cols = static_cast<int>(std::min(kPanel, out_ - p * kPanel));
        const float* panel = packed_.get() + p * kPanel * in_;
        for (int64_t r = r0; r < r1; r += kRows) {
          const int n = static_cast<int>(std::min<int64_t>(kRows, r1 - r));
          float* tile_y = y + r * y_stride + p * kPanel;
          kTiles[static_cast<size_t>(n - 1)](x + r * x_stride, x_stride, panel, in_, bias_ + p * kPanel, cols, tile_y,
                                             y_stride);
          // The activation while the tile is still in L1.
          if (activation) {
            for (int i = 0; i < n; ++i) detail::activate(tile_y + i * y_stride, cols, *activation);
          }
        }
      }
    }
  };
  detail::parallel_ranges(static_cast<size_t>(panels), threads, run);
}

}  // namespace bertcpp
