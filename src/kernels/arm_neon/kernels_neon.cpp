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

template <int R>
void tile_f32(const float* x, int64_t xs, const float* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, float>(x, xs, p, k, b, c, y, ys);
}
template <int R>
void tile_bf16(const float* x, int64_t xs, const bf16* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, bf16>(x, xs, p, k, b, c, y, ys);
}
constexpr TileFn<float, float> kTiles[kTileRows] = {&tile_f32<1>, &tile_f32<2>, &tile_f32<3>,
                                                    &tile_f32<4>, &tile_f32<5>, &tile_f32<6>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {&tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>,
                                                        &tile_bf16<4>, &tile_bf16<5>, &tile_bf16<6>};

}  // namespace

const int64_t kPanelWidth = P;

void activate(float* x, int64_t n, int activation) { activate_row<V>(x, n, activation); }

void pack(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed) {
  pack_panels<P>(w, w_stride, out, in, packed);
}
void pack_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed) {
  pack_panels_from_rows<P>(b, b_stride, k, n, packed);
}
void gemm(const float* x, int64_t x_stride, int64_t rows, const float* packed, int64_t k, int64_t n,
          const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel, int activation) {
  run_tiles<float, float, P, kTileRows, activate>(kTiles, x, x_stride, rows, packed, P * k, k, n, bias, y, y_stride,
                                                  first_panel, end_panel, activation);
}

size_t bf16_count(int64_t out, int64_t in) { return plain_bf16_count<P>(out, in); }
void pack_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed) {
  pack_plain_bf16<P>(w, w_stride, out, in, packed);
}
float bf16_weight(const bf16* packed, int64_t in, int64_t o, int64_t i) { return plain_bf16_weight<P>(packed, in, o, i); }
int64_t x_bf16_stride(int64_t k) { return no_bf16_rows(k); }
void gemm_bf16(const void* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,
               const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel, int activation) {
  run_tiles<float, bf16, P, kTileRows, activate>(kBf16Tiles, static_cast<const float*>(x), x_stride, rows, packed,
                                                 P * k, k, n, bias, y, y_stride, first_panel, end_panel, activation);
}

void layer_norm(float* y, int64_t rows, int64_t cols, int64_t y_stride, const float* residual, int64_t residual_stride,
                const float* gamma, const float* beta, float eps) {
  layer_norm_rows<V>(y, rows, cols, y_stride, residual, residual_stride, gamma, beta, eps);
}
void softmax(float* x, int64_t rows, int64_t cols, int64_t stride, float scale) {
  softmax_rows<V, VI>(x, rows, cols, stride, scale);
}

}  // namespace bertcpp::kernels::neon
