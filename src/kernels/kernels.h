// The compute kernels under the model: one implementation per instruction set, each compiled
// in its own files with its own flags (generic/, x86_avx2/, x86_avx512/, x86_avx512_bf16/,
// arm_neon/), and the best one the CPU can run picked once at run time (dispatch.cpp), or the
// one BERTCPP_CPU_ISA names. Nothing here depends on the model above it.
//
// The matrix kernel computes y = act(x B + bias) with B packed into "panels" of `panel` output
// columns, each stored as one row of `panel` values per step along the shared dimension,
// 64-byte aligned and zero-padded. A layer's weight is packed once at load, for the variant
// that will run it (model/packed_linear.h); attention packs K and V per head. A tile of rows x
// one panel keeps its accumulators in registers while the panel streams from cache; the bias
// is its starting value and the activation is applied before it leaves L1.
//
// Every variant computes each output element from the same operands in the same order
// whatever rows share its tile and whichever thread runs its panel, so results are the same
// bits at any thread count and batch grouping (variants differ from each other in the last
// bits: FMA contraction, vector widths).
#pragma once

#include <bertcpp/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp::kernels {

enum class Isa { Generic, Avx2, Avx512, Avx512Bf16, Neon };

using bf16 = uint16_t;  // the upper half of a float32, rounded to nearest even

// Activation in the tile's epilogue: kNone, or an Activation's value.
constexpr int kNone = -1;
inline int activation_code(std::optional<Activation> a) { return a ? static_cast<int>(*a) : kNone; }

struct Kernels {
  Isa isa;
  int64_t panel;     // output columns per packed panel
  bool native_bf16;  // bfloat16 x bfloat16 dot products in hardware (twice float32's rate)
  int64_t s8_panel;  // output columns per packed int8 panel (s8_layout below)
  bool s8_offset_x;  // gemm_s8 takes x as u8 = q + 128 (vpdpbusd multiplies u8 by s8)

  // ---- float32 ----
  // W [out, in] (y = x W^T: a weight, attention's K), rows w_stride apart -> panels:
  // packed[(p * in + k) * panel + c] = W[p * panel + c, k], zero past the last row of W.
  void (*pack)(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed);
  // B [k, n] row-major, rows b_stride apart (attention's V) -> the same panels.
  void (*pack_rows)(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed);
  // y[r, c] = act(bias[c] + sum_i x[r, i] B[i, c]) for r in [0, rows) and the columns of
  // panels [first_panel, end_panel) of B [k, n]. bias may be null (zero). Strides in floats.
  void (*gemm)(const float* x, int64_t x_stride, int64_t rows, const float* packed, int64_t k, int64_t n,
               const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
               int activation);

  // ---- bfloat16 weights ----
  // Values pack_bf16 writes for W [out, in], in this variant's layout.
  size_t (*bf16_count)(int64_t out, int64_t in);
  void (*pack_bf16)(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed);
  // B [k, n] row-major (attention's V) -> what pack_bf16 writes for B^T [n, k].
  void (*pack_bf16_rows)(const float* b, int64_t b_stride, int64_t k, int64_t n, bf16* packed);
  // The weight element W[o, i] back from the packed form (tests, introspection).
  float (*bf16_weight)(const bf16* packed, int64_t in, int64_t o, int64_t i);
  // native_bf16: x is first rounded to bfloat16 rows of x_bf16_stride(k) values by round_rows,
  // then gemm_bf16 takes them. Otherwise x stays float32 and gemm_bf16 widens the weights.
  int64_t (*x_bf16_stride)(int64_t k);
  void (*round_rows)(const float* x, int64_t x_stride, int64_t rows, int64_t k, bf16* out, int64_t out_stride);
  // native_bf16: softmax's rows (as `softmax` computes them) written straight to round_rows'
  // form, bits and all, without the float32 pass between; x keeps the unnormalized exponentials.
  void (*softmax_bf16)(float* x, int64_t rows, int64_t cols, int64_t stride, float scale, bf16* out,
                       int64_t out_stride);
  void (*gemm_bf16)(const void* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,
                    const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,
                    int activation);

  // ---- int8: symmetric s8 weights (per output column) and x (per row), exact int32 sums ----
  // q [out, in] (quantize_rows' output for W) -> s8 panels of s8_panel columns (s8_layout).
  void (*pack_s8)(const int8_t* q, int64_t out, int64_t in, int8_t* packed);
  // quantize_rows below at this variant's vector width: the same q, bit for bit.
  void (*quantize_rows)(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                        int64_t out_stride, float* scale);
  // y[r, c] = act(bias[c] + (sum_i x[r, i] W[c, i]) * x_scale[r] * w_scale[c]) for the columns of
  // panels [first_panel, end_panel); x: quantize_rows' rows (x_stride >= s8_stride(k) bytes
  // apart, offset as s8_offset_x says), w_scale: one per column of every panel (zero past n).
  void (*gemm_s8)(const int8_t* x, int64_t x_stride, const float* x_scale, int64_t rows, const int8_t* packed,
                  const float* w_scale, int64_t k, int64_t n, const float* bias, float* y, int64_t y_stride,
                  int64_t first_panel, int64_t end_panel, int activation);

  // ---- element-wise, a row at a time ----
  void (*activate)(float* x, int64_t n, int activation);
  // y = LayerNorm(y + residual) (residual may be null) over `cols`, biased variance as PyTorch.
  void (*layer_norm)(float* y, int64_t rows, int64_t cols, int64_t y_stride, const float* residual,
                     int64_t residual_stride, const float* gamma, const float* beta, float eps);
  // Each row becomes softmax(row * scale), max subtracted first.
  void (*softmax)(float* x, int64_t rows, int64_t cols, int64_t stride, float scale);

  // ---- checkpoint reading ----
  void (*halfs_to_floats)(const unsigned char* src, size_t n, float* dst);  // IEEE half, little-endian
  uint32_t (*crc32c_extend)(uint32_t crc, const unsigned char* data, size_t n);
};

// The variant in use: BERTCPP_CPU_ISA if set (std::invalid_argument naming what this CPU can
// run when it cannot run that one), else the best this CPU can run. Chosen once per process.
const Kernels& active();
// A variant by name, if this build has it and this CPU can run it; nullptr otherwise.
const Kernels* find(Isa isa);
// Variants this build has and this CPU can run, generic first, best last.
std::vector<Isa> supported();
const char* isa_name(Isa isa);  // "generic", "avx2", "avx512", "avx512_bf16", "neon"
std::optional<Isa> parse_isa(const std::string& name);

// ---- layout helpers shared by every variant ----
inline int64_t panel_count(int64_t cols, int64_t panel) { return (cols + panel - 1) / panel; }
inline size_t packed_count(int64_t out, int64_t in, int64_t panel) {
  return static_cast<size_t>(panel_count(out, panel) * panel * in);
}
inline float packed_weight(const float* packed, int64_t in, int64_t panel, int64_t o, int64_t i) {
  return packed[((o / panel) * in + i) * panel + o % panel];
}
// A row stride, in elements of `bytes` each, for x laid out for a product: at least
// `elements`, and not a multiple of 4 KB. At such a stride every row of a tile falls in the
// same set of the 8-way L1 cache, and a tile's rows evict each other as it reads them: the
// feed-forward's [T, 3072] float32 input (and BERT-large's [T, 1024]) multiplied 11-14%
// slower than with one cache line more per row (Zen 4).
inline int64_t unaliased_stride(int64_t elements, int64_t bytes) {
  return (elements * bytes) % 4096 == 0 ? elements + 64 / bytes : elements;
}

// ---- int8 layout, shared by every variant (only the panel width differs) ----
// Each panel of P columns holds, for every group of 4 steps along k (k padded with zeros to a
// multiple of 4), P columns x 4 bytes (column c's k..k+3 at 4c: one int32 lane of vpdpbusd /
// vpmaddubsw+vpmaddwd), then P int32 of 128 x the column's sum (what u8 = q + 128 adds).
struct S8Layout {
  int64_t panel, k4;  // columns, padded k
  int64_t panel_bytes() const { return panel * k4 + 4 * panel; }
  size_t bytes(int64_t out) const { return static_cast<size_t>(panel_count(out, panel) * panel_bytes()); }
  int64_t index(int64_t o, int64_t i) const { return (o / panel) * panel_bytes() + (i / 4) * 4 * panel + (o % panel) * 4 + i % 4; }
};
inline int64_t s8_stride(int64_t k) { return (k + 3) / 4 * 4; }  // bytes of a quantized row
inline S8Layout s8_layout(int64_t panel, int64_t in) { return {panel, s8_stride(in)}; }
// int32 sums stay exact (|q| <= 127, u8 <= 255) for at most this many inputs.
constexpr int64_t kMaxS8Inputs = 65536;

// Symmetric int8 quantization of each row of x [rows, k] (rows x_stride floats apart):
// scale[r] = max |x[r, :]| / 127 and out[r, i] = round(x[r, i] / scale[r]) in [-127, 127]
// (zero for an all-zero row), plus 128 as u8 if `offset`; the row is zero-padded (as q = 0) to
// out_stride bytes. The generic variant's; every variant's Kernels::quantize_rows gives the same q.
void quantize_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                   int64_t out_stride, float* scale);

// 64-byte aligned storage (one cache line, one AVX-512 vector), freed with std::free.
struct AlignedFree {
  void operator()(void* p) const;
};
template <typename T>
using Aligned = std::unique_ptr<T[], AlignedFree>;
void* aligned_bytes(size_t bytes);
template <typename T>
Aligned<T> aligned(size_t count) {
  return Aligned<T>(static_cast<T*>(aligned_bytes(count * sizeof(T))));
}

// bfloat16 <-> float32, round to nearest even (NaN stays NaN), as the hardware rounds.
bf16 to_bf16(float f);
float from_bf16(bf16 b);

}  // namespace bertcpp::kernels
