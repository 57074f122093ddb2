// The ARM64 Advanced SIMD (NEON) variant (Apple silicon, AWS Graviton, Ampere, Raspberry Pi
// 4+): a 6 x 16 tile, 24 of the 32 q registers as accumulators, four panel loads and one
// multiply-add by scalar per row and step. bfloat16 weights are widened as they are read.
#include <arm_neon.h>

#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::neon {

namespace {

using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));

constexpr int64_t P = 16;
constexpr int kTileRows = 6;

inline float32x4_t load_w(const float* p) { return vld1q_f32(p); }
inline float32x4_t load_w(const bf16* p) {  // 4 bfloat16 -> 4 float32: the upper halves
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}

template <int R, typename W>
void tile(const float* x, int64_t x_stride, const W* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  float first[P] = {};
  if (bias != nullptr) std::memcpy(first, bias, static_cast<size_t>(cols) * sizeof(float));
  float32x4_t acc[R][4];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < 4; ++j) acc[i][j] = vld1q_f32(first + 4 * j);
  }
  for (int64_t k = 0; k < K; ++k) {
    const W* w = panel + k * P;
    const float32x4_t w0 = load_w(w), w1 = load_w(w + 4), w2 = load_w(w + 8), w3 = load_w(w + 12);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const float a = x[i * x_stride + k];
      acc[i][0] = vfmaq_n_f32(acc[i][0], w0, a);
      acc[i][1] = vfmaq_n_f32(acc[i][1], w1, a);
      acc[i][2] = vfmaq_n_f32(acc[i][2], w2, a);
      acc[i][3] = vfmaq_n_f32(acc[i][3], w3, a);
    }
  }
  for (int i = 0; i < R; ++i) {
    if (cols == P) {
      for (int j = 0; j < 4; ++j) vst1q_f32(y + i * y_stride + 4 * j, acc[i][j]);
    } else {
      float out[P];
      for (int j = 0; j < 4; ++j) vst1q_f32(out + 4 * j, acc[i][j]);
      std::memcpy(y + i * y_stride, out, static_cast<size_t>(cols) * sizeof(float));
    }
  }
}

#include "kernels/impl/tile_wrappers.inc"  // tile_f32<R>, tile_bf16<R>
constexpr TileFn<float, float> kTiles[kTileRows] = {&tile_f32<1>, &tile_f32<2>, &tile_f32<3>,
                                                    &tile_f32<4>, &tile_f32<5>, &tile_f32<6>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {&tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>,
                                                        &tile_bf16<4>, &tile_bf16<5>, &tile_bf16<6>};

}  // namespace

#include "kernels/impl/entry_points.inc"  // kPanelWidth, pack, gemm, bf16, element-wise

}  // namespace bertcpp::kernels::neon
