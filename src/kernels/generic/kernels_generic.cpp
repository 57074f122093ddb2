// The generic variant: plain C++ for any CPU, vectorized by the compiler for the baseline of
// the target (SSE2 on x86-64, Advanced SIMD on ARM64). The safety net when no other variant
// runs, and the reference the others are tested against.
#include "kernels/impl/int8.h"
#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::generic {

namespace {

using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));
using VU = uint32_t __attribute__((vector_size(16)));

constexpr int64_t P = 8;      // panel columns: two 4-lane vectors
constexpr int kTileRows = 4;  // 4 x 8 accumulators in 8 of the 16 SSE registers (32 on ARM64)

inline V load_w(const float* p) { return load<V>(p); }
inline V load_w(const bf16* p) { return V{widen_bf16(p[0]), widen_bf16(p[1]), widen_bf16(p[2]), widen_bf16(p[3])}; }

// R rows x one panel; W is float or bfloat16 (widened as it is read). Accumulators are 1-D
// arrays of vectors, which GCC keeps in registers (not [R][2], which it keeps in memory).
template <int R, typename W>
void tile(const float* x, int64_t x_stride, const W* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  alignas(16) float edge[P] = {};
  if (bias != nullptr) std::memcpy(edge, bias, static_cast<size_t>(cols) * sizeof(float));
  const V b0 = load<V>(edge), b1 = load<V>(edge + 4);
  V lo[R], hi[R];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) {
    lo[i] = b0;
    hi[i] = b1;
  }
  for (int64_t k = 0; k < K; ++k) {
    const V w0 = load_w(panel + k * P), w1 = load_w(panel + k * P + 4);
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      const float a = x[i * x_stride + k];
      lo[i] += a * w0;
      hi[i] += a * w1;
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) {
    store(edge, lo[i]);
    store(edge + 4, hi[i]);
    std::memcpy(y + i * y_stride, edge, static_cast<size_t>(cols) * sizeof(float));
  }
}

#include "kernels/impl/tile_wrappers.inc"  // tile_f32<R>, tile_bf16<R>
constexpr TileFn<float, float> kTiles[kTileRows] = {&tile_f32<1>, &tile_f32<2>, &tile_f32<3>, &tile_f32<4>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {&tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>,
                                                        &tile_bf16<4>};

// int8: R rows x one panel of 8 columns, exact int32 arithmetic (the definition the other
// variants are tested against); ARM64 CPUs without sdot run it too. Written with explicit
// column vectors and each row's four bytes read as one scalar: from the plain loops (x's rows
// in the inner loop), GCC 12 for ARM64 built vectors of four rows' bytes for tiles of two or
// three rows, reading rows past the tile and, at the end of a buffer, past its last page.
template <int R>
void tile_s8(const int8_t* x, int64_t x_stride, const float* x_scale, const int8_t* panel, int64_t groups,
             const float* w_scale, const float* bias, int cols, float* y, int64_t y_stride, int activation) {
  VI lo[R], hi[R];  // columns 0-3 and 4-7
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) lo[i] = hi[i] = VI{};
  for (int64_t g = 0; g < groups; ++g) {
    VU u0, u1;  // column c's four steps as one little-endian 32-bit lane (the layout of kernels.h)
    std::memcpy(&u0, panel + g * 4 * P, sizeof u0);
    std::memcpy(&u1, panel + g * 4 * P + 16, sizeof u1);
    VI w0[4], w1[4];  // step j's weight of each column: its byte moved to the top, shifted back signed
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      w0[j] = reinterpret_cast<VI>(u0 << (24 - 8 * j)) >> 24;
      w1[j] = reinterpret_cast<VI>(u1 << (24 - 8 * j)) >> 24;
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      int32_t four;
      std::memcpy(&four, x + i * x_stride + 4 * g, sizeof four);
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const int32_t a = static_cast<int8_t>(static_cast<uint32_t>(four) >> (8 * j));
        lo[i] += a * w0[j];
        hi[i] += a * w1[j];
      }
    }
  }
  alignas(16) int32_t acc[R * P];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) {
    std::memcpy(acc + i * P, &lo[i], sizeof lo[i]);
    std::memcpy(acc + i * P + 4, &hi[i], sizeof hi[i]);
  }
  finish_s8_rows<V, VI, P>(acc, R, x_scale, w_scale, bias, cols, y, y_stride, activation);
}
constexpr S8TileFn kS8Tiles[kTileRows] = {&tile_s8<1>, &tile_s8<2>, &tile_s8<3>, &tile_s8<4>};

}  // namespace

#include "kernels/impl/entry_points.inc"  // kPanelWidth, pack, gemm, bf16, element-wise

#include "kernels/impl/int8_entry_points.inc"  // kS8PanelWidth, pack_s8, quantize_rows, gemm_s8

}  // namespace bertcpp::kernels::generic
