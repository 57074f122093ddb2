// The generic variant: plain C++ for any CPU, vectorized by the compiler for the baseline of
// the target (SSE2 on x86-64, Advanced SIMD on ARM64). The safety net when no other variant
// runs, and the reference the others are tested against.
#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::generic {

namespace {

using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));

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

template <int R>
void tile_f32(const float* x, int64_t xs, const float* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, float>(x, xs, p, k, b, c, y, ys);
}
template <int R>
void tile_bf16(const float* x, int64_t xs, const bf16* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, bf16>(x, xs, p, k, b, c, y, ys);
}
constexpr TileFn<float, float> kTiles[kTileRows] = {&tile_f32<1>, &tile_f32<2>, &tile_f32<3>, &tile_f32<4>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {&tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>,
                                                        &tile_bf16<4>};

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

}  // namespace bertcpp::kernels::generic
