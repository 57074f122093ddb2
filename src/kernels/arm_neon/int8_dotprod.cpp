// int8 on ARM64 CPUs with the dot-product extension (ARMv8.2 FEAT_DotProd: Apple M1+, Graviton
// 2+, Ampere Altra, Cortex-A76+): sdot adds four s8 x s8 products into each int32 lane, one
// instruction per 4 columns x 4 steps, exact. Both x and W are s8 with |q| <= 127, so unlike
// x86's vpdpbusd no u8 offset or column-sum correction is needed. A 6 x 16 tile: 24 of the 32
// q registers as accumulators, four panel loads and one broadcast of x's four bytes per row and
// group of four steps. Its own file, compiled with -march=armv8.2-a+dotprod: dispatch.cpp runs
// it only where the CPU reports asimddp; the rest of the NEON variant needs only ARMv8.0.
#include <arm_neon.h>

#include "kernels/impl/int8.h"
#include "kernels/impl/panels.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::neon_dotprod {

namespace {

using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));

constexpr int64_t P = 16;

template <int R>
void tile_s8(const int8_t* x, int64_t x_stride, const float* x_scale, const int8_t* panel, int64_t groups,
             const float* w_scale, const float* bias, int cols, float* y, int64_t y_stride, int activation) {
  int32x4_t acc[R][4];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < 4; ++j) acc[i][j] = vdupq_n_s32(0);
  }
  for (int64_t g = 0; g < groups; ++g) {
    const int8_t* w = panel + g * 4 * P;  // 16 columns x their 4 steps, column by column
    const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      int32_t four;
      std::memcpy(&four, x + i * x_stride + 4 * g, sizeof four);
      const int8x16_t a = vreinterpretq_s8_s32(vdupq_n_s32(four));
      acc[i][0] = vdotq_s32(acc[i][0], w0, a);
      acc[i][1] = vdotq_s32(acc[i][1], w1, a);
      acc[i][2] = vdotq_s32(acc[i][2], w2, a);
      acc[i][3] = vdotq_s32(acc[i][3], w3, a);
    }
  }
  alignas(16) int32_t sums[R * P];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < 4; ++j) vst1q_s32(sums + i * P + 4 * j, acc[i][j]);
  }
  finish_s8_rows<V, VI, P>(sums, R, x_scale, w_scale, bias, cols, y, y_stride, activation);
}
constexpr S8TileFn kS8Tiles[6] = {&tile_s8<1>, &tile_s8<2>, &tile_s8<3>, &tile_s8<4>, &tile_s8<5>, &tile_s8<6>};

}  // namespace

#include "kernels/impl/int8_entry_points.inc"  // kS8PanelWidth, pack_s8, quantize_rows, gemm_s8

}  // namespace bertcpp::kernels::neon_dotprod
