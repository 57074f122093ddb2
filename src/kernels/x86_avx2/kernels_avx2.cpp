// The AVX2 + FMA variant (Intel Haswell and later, AMD Zen 1-3, most laptops): a 6 x 16 tile,
// 12 of the 16 ymm registers as accumulators, two panel loads and one broadcast per step.
// Also F16C for half-precision checkpoints and SSE4.2's crc32 for TensorFlow's checksums,
// which every AVX2 CPU has. Compiled with -mavx2 -mfma -mf16c -msse4.2 (CMakeLists.txt).
#include <immintrin.h>

#include "kernels/impl/int8.h"
#include "kernels/impl/panels.h"
#include "kernels/impl/vector_math.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::avx2 {

namespace {

using V = float __attribute__((vector_size(32)));
using VI = int32_t __attribute__((vector_size(32)));

constexpr int64_t P = 16;
constexpr int kTileRows = 6;

inline __m256 load_w(const float* p) { return _mm256_load_ps(p); }
inline __m256 load_w(const bf16* p) {  // 8 bfloat16 -> 8 float32: the upper halves
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(p))), 16));
}

template <int R, typename W>
void tile(const float* x, int64_t x_stride, const W* panel, int64_t K, const float* bias, int cols, float* y,
          int64_t y_stride) {
  // A partial panel (cols < 16) goes through a zeroed buffer rather than masked loads and
  // stores: the masks would need registers the 12 accumulators, 2 panel vectors and the
  // broadcast leave none of, and GCC then keeps the accumulators in memory.
  alignas(32) float edge[P] = {};
  if (bias != nullptr) std::memcpy(edge, bias, static_cast<size_t>(cols) * sizeof(float));
  const __m256 b0 = _mm256_load_ps(edge), b1 = _mm256_load_ps(edge + 8);
  __m256 lo[R], hi[R];  // two 1-D arrays: GCC keeps [R][2] in memory, these in registers
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    lo[i] = b0;
    hi[i] = b1;
  }
  for (int64_t k = 0; k < K; ++k) {
    const __m256 w0 = load_w(panel + k * P), w1 = load_w(panel + k * P + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const __m256 a = _mm256_broadcast_ss(x + i * x_stride + k);
      lo[i] = _mm256_fmadd_ps(a, w0, lo[i]);
      hi[i] = _mm256_fmadd_ps(a, w1, hi[i]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    if (cols == P) {
      _mm256_storeu_ps(y + i * y_stride, lo[i]);
      _mm256_storeu_ps(y + i * y_stride + 8, hi[i]);
    } else {
      _mm256_store_ps(edge, lo[i]);
      _mm256_store_ps(edge + 8, hi[i]);
      std::memcpy(y + i * y_stride, edge, static_cast<size_t>(cols) * sizeof(float));
    }
  }
}

#include "kernels/impl/tile_wrappers.inc"  // tile_f32<R>, tile_bf16<R>
constexpr TileFn<float, float> kTiles[kTileRows] = {&tile_f32<1>, &tile_f32<2>, &tile_f32<3>,
                                                    &tile_f32<4>, &tile_f32<5>, &tile_f32<6>};
constexpr TileFn<float, bf16> kBf16Tiles[kTileRows] = {&tile_bf16<1>, &tile_bf16<2>, &tile_bf16<3>,
                                                        &tile_bf16<4>, &tile_bf16<5>, &tile_bf16<6>};

// int8: 4 rows x 16 columns, per group of 4 steps one vpsignb, vpmaddubsw, vpmaddwd and add
// per 8 columns (int8.h says why |x| * sign(W, x): no int16 pair ever saturates). 8 accumulators,
// 2 panel vectors, the ones, x and |x| fit the 16 registers.
template <int R>
void tile_s8(const int8_t* x, int64_t x_stride, const float* x_scale, const int8_t* panel, int64_t groups,
             const float* w_scale, const float* bias, int cols, float* y, int64_t y_stride, int activation) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo[R], hi[R];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) {
    lo[i] = _mm256_setzero_si256();
    hi[i] = _mm256_setzero_si256();
  }
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(panel + g * 4 * P));
    const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(panel + g * 4 * P + 32));
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      int32_t four;
      std::memcpy(&four, x + i * x_stride + 4 * g, sizeof four);
      const __m256i a = _mm256_set1_epi32(four);
      const __m256i abs_a = _mm256_abs_epi8(a);
      lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(_mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(w0, a)), ones));
      hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(_mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(w1, a)), ones));
    }
  }
  // All sums out first, by constant indices (see the AVX-512 VNNI tile for why).
  alignas(32) int32_t acc[R * P];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc + i * P), lo[i]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc + i * P + 8), hi[i]);
  }
  finish_s8_rows<V, VI, P>(acc, R, x_scale, w_scale, bias, cols, y, y_stride, activation);
}
constexpr S8TileFn kS8Tiles[4] = {&tile_s8<1>, &tile_s8<2>, &tile_s8<3>, &tile_s8<4>};

}  // namespace

#include "kernels/impl/entry_points.inc"  // kPanelWidth, pack, gemm, bf16, element-wise

#include "kernels/impl/int8_entry_points.inc"  // kS8PanelWidth, pack_s8, quantize_rows, gemm_s8

void halfs_to_floats(const unsigned char* src, size_t n, float* dst) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {  // x86 is little-endian: the bytes are the halfs as they lie
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
  }
  if (i < n) {  // the tail through a zero-padded block, by the same instruction
    unsigned char tail[16] = {};
    std::memcpy(tail, src + 2 * i, (n - i) * 2);
    float out[8];
    _mm256_storeu_ps(out, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tail))));
    std::memcpy(dst + i, out, (n - i) * sizeof(float));
  }
}

uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n) {
  uint64_t c = ~crc;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; i < n; ++i) c32 = _mm_crc32_u8(c32, data[i]);
  return ~c32;
}

}  // namespace bertcpp::kernels::avx2
