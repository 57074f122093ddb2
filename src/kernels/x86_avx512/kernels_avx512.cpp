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

#include "kernels/x86_avx512/panel_edges.h"

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
  const PanelEdges edges = panel_edges(cols);
  const __m512 b0 = bias_lo(bias, edges), b1 = bias_hi(bias, edges);
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
  for (int i = 0; i < R; ++i) store_row(y + i * y_stride, edges, acc[i][0], acc[i][1]);
}

#include "kernels/impl/tile_wrappers.inc"  // tile_f32<R>, tile_bf16<R>
constexpr TileFn<float, float> kTiles[kTileRows] = {
    &tile_f32<1>, &tile_f32<2>, &tile_f32<3>, &tile_f32<4>,  &tile_f32<5>,  &tile_f32<6>,
    &tile_f32<7>, &tile_f32<8>, &tile_f32<9>, &tile_f32<10>, &tile_f32<11>, &tile_f32<12>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {
    &tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>, &tile_bf16<4>,  &tile_bf16<5>,  &tile_bf16<6>,
    &tile_bf16<7>, &tile_bf16<8>, &tile_bf16<9>, &tile_bf16<10>, &tile_bf16<11>, &tile_bf16<12>};

}  // namespace

#include "kernels/impl/entry_points.inc"  // kPanelWidth, pack, gemm, bf16, element-wise

}  // namespace bertcpp::kernels::avx512
