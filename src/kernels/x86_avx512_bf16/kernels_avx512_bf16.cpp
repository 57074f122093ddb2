// The AVX512_BF16 variant (AMD Zen 4+, Intel Cooper Lake / Sapphire Rapids+): bfloat16
// products with vdpbf16ps, two multiply-adds per lane per instruction, summed in float32.
// x is rounded to bfloat16 once per product; the panels hold pairs: for each pair of k steps,
// 16 columns x (k, k+1), then the next 16. Everything else is the AVX-512 variant's
// (dispatch.cpp). Compiled with the AVX-512 flags plus -mavx512bf16 -mavx512vnni: every CPU
// with AVX512_BF16 has AVX512_VNNI, whose vpdpbusd is this variant's int8 product.
#include <immintrin.h>

#include "kernels/impl/int8.h"
#include "kernels/impl/panels.h"
#include "kernels/variants.h"

namespace bertcpp::kernels::avx512_bf16 {

namespace {

#include "kernels/x86_avx512/panel_edges.h"

constexpr int64_t P = 32;
constexpr int kTileRows = 12;

inline int64_t even(int64_t k) { return (k + 1) / 2 * 2; }  // rows are padded to pairs

template <int R>
void tile(const bf16* x, int64_t x_stride, const bf16* panel, int64_t pairs, const float* bias, int cols, float* y,
          int64_t y_stride) {
  const PanelEdges edges = panel_edges(cols);
  const __m512 b0 = bias_lo(bias, edges), b1 = bias_hi(bias, edges);
  __m512 acc[R][2];
  for (int i = 0; i < R; ++i) {
    acc[i][0] = b0;
    acc[i][1] = b1;
  }
  for (int64_t k = 0; k < pairs; ++k) {
    const auto w0 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + k * 2 * P));
    const auto w1 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + k * 2 * P + P));
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      uint32_t pair;
      std::memcpy(&pair, x + i * x_stride + 2 * k, sizeof pair);
      const auto a = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pair)));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, w0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, w1);
    }
  }
  for (int i = 0; i < R; ++i) store_row(y + i * y_stride, edges, acc[i][0], acc[i][1]);
}

template <int R>
struct Tile {
  static void run(const bf16* x, int64_t xs, const bf16* p, int64_t k, const float* b, int c, float* y, int64_t ys) {
    tile<R>(x, xs, p, k, b, c, y, ys);
  }
};
constexpr TileFn<bf16, bf16> kTiles[kTileRows] = {
    &Tile<1>::run, &Tile<2>::run, &Tile<3>::run, &Tile<4>::run,  &Tile<5>::run,  &Tile<6>::run,
    &Tile<7>::run, &Tile<8>::run, &Tile<9>::run, &Tile<10>::run, &Tile<11>::run, &Tile<12>::run};

// int8: 12 rows x 32 columns, one vpdpbusd per 16 columns per group of 4 steps (four u8 x s8
// products into each int32 lane, no intermediate saturation); x arrives as u8 = q + 128 and
// the panel's 128 x column sums come off at the end (int8.h).
// acc += the four u8 x s8 products of each int32 lane. GCC 12's _mm512_dpbusd_epi32 copies
// its accumulator to a fresh register before every instruction and then spills half of the
// 24 accumulators to the stack (at about 0.4x of this speed); the instruction itself, with acc
// tied as input and output, keeps them all in registers.
inline void dpbusd(__m512i& acc, __m512i a, __m512i w) {
  __asm__("vpdpbusd %[w], %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a), [w] "v"(w));
}

using V = float __attribute__((vector_size(64)));
using VI = int32_t __attribute__((vector_size(64)));

// The epilogue runs in registers: y = float(sum) * (x_scale * w_scale) + bias, the operations
// and order of dequantize_row (int8.h), so the bits are the other variants'; then the
// activation, before the store. (Through memory, as dequantize_row does it, the epilogue was a
// tenth of an int8 pass at 128 tokens; the activation as a pass of its own over the stored
// tile, a third of the GELU's time.) The empty asm keeps the product and the bias add two
// roundings, as dequantize_row's, where GCC would contract them into an FMA; the activation's
// own arithmetic is contracted as in the float32 kernels.
template <int R>
void tile_s8(const int8_t* x, int64_t x_stride, const float* x_scale, const int8_t* panel, int64_t groups,
             const float* w_scale, const float* bias, int cols, float* y, int64_t y_stride, int activation) {
  __m512i acc0[R], acc1[R];  // 1-D arrays: GCC keeps [R][2] in memory
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    acc0[i] = _mm512_setzero_si512();
    acc1[i] = _mm512_setzero_si512();
  }
  for (int64_t g = 0; g < groups; ++g) {
    const __m512i w0 = _mm512_load_si512(panel + g * 4 * P);
    const __m512i w1 = _mm512_load_si512(panel + g * 4 * P + 64);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      int32_t four;
      std::memcpy(&four, x + i * x_stride + 4 * g, sizeof four);
      const __m512i a = _mm512_set1_epi32(four);
      dpbusd(acc0[i], a, w0);
      dpbusd(acc1[i], a, w1);
    }
  }
  const int8_t* sums = panel + groups * 4 * P;
  const __m512i s0 = _mm512_loadu_si512(sums), s1 = _mm512_loadu_si512(sums + 64);
  const PanelEdges edges = panel_edges(cols);
  const V b0 = bias_lo(bias, edges), b1 = bias_hi(bias, edges);
  const V ws0 = _mm512_loadu_ps(w_scale), ws1 = _mm512_loadu_ps(w_scale + 16);  // zero-padded to P
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    const V xs = _mm512_set1_ps(x_scale[i]);
    V y0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc0[i], s0)) * (xs * ws0);
    V y1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc1[i], s1)) * (xs * ws1);
    __asm__("" : "+v"(y0), "+v"(y1));  // no FMA across this line
    y0 += b0;
    y1 += b1;
    if (activation >= 0) {
      y0 = vactivate(y0, activation);
      y1 = vactivate(y1, activation);
    }
    store_row(y + i * y_stride, edges, y0, y1);
  }
}
constexpr S8TileFn kS8Tiles[kTileRows] = {&tile_s8<1>, &tile_s8<2>, &tile_s8<3>, &tile_s8<4>,  &tile_s8<5>,  &tile_s8<6>,
                                           &tile_s8<7>, &tile_s8<8>, &tile_s8<9>, &tile_s8<10>, &tile_s8<11>, &tile_s8<12>};

}  // namespace

#include "kernels/impl/int8_entry_points.inc"  // kS8PanelWidth, pack_s8, quantize_rows, gemm_s8

size_t bf16_count(int64_t out, int64_t in) { return static_cast<size_t>(panels_of(out, P) * P * even(in)); }

// Packing runs per head in attention (K and V, every call), so it is vectorized. Weights and
// K/V round with round_bf16's integer formula rather than vcvtne2ps2bf16, which flushes
// subnormal inputs to zero: the packed values are the other variants' to the bit.
namespace {
__m256i round_bf16x16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), odd)), 16);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)),
                                                _mm512_set1_epi32(0x7F800000));
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(rounded, nan, quiet));
}
}  // namespace

void pack_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed) {
  // As 32-bit units a panel is [pairs][P], column c's pair k at k * P + c: a row of W is rounded
  // 16 values (8 pairs) at a time and its pairs dealt to its column; past `in` the loads read 0.
  const int64_t pairs = even(in) / 2;
  for (int64_t p = 0; p < panels_of(out, P); ++p) {
    uint32_t* panel = reinterpret_cast<uint32_t*>(packed + p * P * even(in));
    for (int64_t c = 0; c < P; ++c) {
      const int64_t o = p * P + c;
      const float* src = w + (o < out ? o : 0) * w_stride;
      for (int64_t i = 0; i < in; i += 16) {
        const auto m = static_cast<__mmask16>(o >= out ? 0 : in - i >= 16 ? 0xFFFF : (1u << (in - i)) - 1);
        alignas(32) uint32_t eight[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(eight), round_bf16x16(_mm512_maskz_loadu_ps(m, src + i)));
        for (int64_t u = 0; u < 8 && i / 2 + u < pairs; ++u) panel[(i / 2 + u) * P + c] = eight[u];
      }
    }
  }
}

void pack_bf16_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, bf16* packed) {
  // Pair step j of a panel interleaves rows 2j and 2j + 1 of B: 16 columns per vpermw.
  const int64_t pairs = even(k) / 2;
  alignas(64) static constexpr int16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                          8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i interleave = _mm512_load_si512(kInterleave);
  for (int64_t p = 0; p < panels_of(n, P); ++p) {
    const int64_t cols = imin(P, n - p * P);
    bf16* panel = packed + p * P * even(k);
    for (int64_t half = 0; half < 2; ++half) {
      const int64_t c = cols - 16 * half;
      const auto m = static_cast<__mmask16>(c >= 16 ? 0xFFFF : c <= 0 ? 0 : (1u << c) - 1);
      for (int64_t j = 0; j < pairs; ++j) {
        const float* first = b + 2 * j * b_stride + p * P + 16 * half;
        const __m256i lo = round_bf16x16(_mm512_maskz_loadu_ps(m, first));
        const __m256i hi = 2 * j + 1 < k ? round_bf16x16(_mm512_maskz_loadu_ps(m, first + b_stride)) : _mm256_setzero_si256();
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
        _mm512_store_si512(panel + j * 2 * P + half * 16 * 2, _mm512_permutexvar_epi16(interleave, both));
      }
    }
  }
}

float bf16_weight(const bf16* packed, int64_t in, int64_t o, int64_t i) {
  const int64_t c = o % P;
  const int64_t step = (o / P) * P * even(in) + (i / 2) * 2 * P;
  return widen_bf16(packed[step + (c / 16) * P + 2 * (c % 16) + i % 2]);
}

int64_t x_bf16_stride(int64_t k) { return even(k); }

namespace {
// in[0, k) (times `factor` if Scaled) -> a row of x_bf16_stride(k) bfloat16: 32 values per
// instruction, round_bf16's rounding for every normal value (vcvtne2ps2bf16 flushes subnormals).
template <bool Scaled>
void round_row(const float* in, int64_t k, float factor, bf16* row) {
  const __m512 f = _mm512_set1_ps(factor);
  auto at = [&](int64_t i) { return Scaled ? _mm512_mul_ps(_mm512_loadu_ps(in + i), f) : _mm512_loadu_ps(in + i); };
  int64_t i = 0;
  for (; i + 32 <= k; i += 32) {
    const __m512bh v = _mm512_cvtne2ps_pbh(at(i + 16), at(i));
    _mm512_storeu_si512(row + i, reinterpret_cast<__m512i>(v));
  }
  for (; i < k; ++i) row[i] = round_bf16(Scaled ? in[i] * factor : in[i]);
  if (k % 2 != 0) row[k] = 0;
}
}  // namespace

void round_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bf16* out, int64_t out_stride) {
  for (int64_t r = 0; r < rows; ++r) round_row<false>(x + r * x_stride, k, 1.0f, out + r * out_stride);
}

void softmax_bf16(float* x, int64_t rows, int64_t cols, int64_t stride, float scale, bf16* out, int64_t out_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * stride;
    round_row<true>(row, cols, softmax_exponentials<V, VI>(row, cols, scale), out + r * out_stride);
  }
}

void gemm_bf16(const void* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,
               const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel, int activation) {
  run_tiles<bf16, bf16, P, kTileRows, avx512::activate>(kTiles, static_cast<const bf16*>(x), x_stride, rows, packed,
                                                        P * even(k), even(k) / 2, n, bias, y, y_stride, first_panel,
                                                        end_panel, activation);
}

}  // namespace bertcpp::kernels::avx512_bf16
