// The AVX-512 variant (Intel Skylake-SP and later, AMD Zen 4+): a 12 x 32 tile, 24 of the 32
// zmm registers as accumulators, two panel loads and one broadcast (folded into the FMA) per
// step; masked bias loads and stores for a partial panel. Compiled with -mavx512f -mavx512bw
// -mavx512dq -mavx512vl -mfma (CMakeLists.txt). bfloat16 weights are widened as they are read;
// x86_avx512_bf16/ multiplies them in hardware instead.
#include <immintrin.h>

#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::avx512 {

namespace {

using V = float __attribute__((vector_size(64)));
using VI = int32_t __attribute__((vector_size(64)));

constexpr int64_t P = 32;
constexpr int kTileRows = 12;

inline __m512 load_w(const float* p) { return _mm512_load_ps(p); }
inline __m512 load_w(const bf16* p) {  // 16 bfloat16 -> 16 float32: the upper halves
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(p))), 16));
}

template <int R, typename W>
void tile(const float* x, int64_t x_stride, const W* panel, int64_t K, const float* bias, int cols, float* y,
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
    const __m512 w0 = load_w(panel + k * P), w1 = load_w(panel + k * P + 16);
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

template <int R>
void tile_f32(const float* x, int64_t xs, const float* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, float>(x, xs, p, k, b, c, y, ys);
}
template <int R>
void tile_bf16(const float* x, int64_t xs, const bf16* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
  tile<R, bf16>(x, xs, p, k, b, c, y, ys);
}
constexpr TileFn<float, float> kTiles[kTileRows] = {
    &tile_f32<1>, &tile_f32<2>, &tile_f32<3>, &tile_f32<4>,  &tile_f32<5>,  &tile_f32<6>,
    &tile_f32<7>, &tile_f32<8>, &tile_f32<9>, &tile_f32<10>, &tile_f32<11>, &tile_f32<12>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {
    &tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>, &tile_bf16<4>,  &tile_bf16<5>,  &tile_bf16<6>,
    &tile_bf16<7>, &tile_bf16<8>, &tile_bf16<9>, &tile_bf16<10>, &tile_bf16<11>, &tile_bf16<12>};

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

}  // namespace bertcpp::kernels::avx512
