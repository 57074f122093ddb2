// The AVX2 + FMA variant (Intel Haswell and later, AMD Zen 1-3, most laptops): a 6 x 16 tile,
// 12 of the 16 ymm registers as accumulators, two panel loads and one broadcast per step.
// Also F16C for half-precision checkpoints and SSE4.2's crc32 for TensorFlow's checksums,
// which every AVX2 CPU has. Compiled with -mavx2 -mfma -mf16c -msse4.2 (CMakeLists.txt).
#include <immintrin.h>

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
