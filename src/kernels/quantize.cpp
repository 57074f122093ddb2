// Symmetric int8 quantization of rows (kernels.h): weights per output channel at load, a
// product's input per row at run time. Not a variant: every variant must multiply the same q,
// so this is compiled once, with the library's flags; written with vector extensions (SSE2 or
// Advanced SIMD, the baseline) because a scalar loop cost a third of the int8 product's time.
#include "kernels/kernels.h"

#include <cstring>

namespace bertcpp::kernels {

namespace {

using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));
using Q = int8_t __attribute__((vector_size(4)));
constexpr int L = 4;

V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// q = round(x * inv), half away from zero by truncation (no libm call, the same on every
// CPU), clamped to [-127, 127]; NaN (inf x 0) becomes 0. Plus the u8 offset.
Q quantize(V x, float inv, int offset) {
  const V v = x * inv;
  VI n = __builtin_convertvector(v + (v < 0.0f ? V{} - 0.5f : V{} + 0.5f), VI);
  n = n > 127 ? VI{} + 127 : n;
  n = n < -127 ? VI{} - 127 : n;
  n = v == v ? n : VI{};
  return __builtin_convertvector(n + offset, Q);  // keeps the low byte: u8 as the same bits
}

}  // namespace

void quantize_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                   int64_t out_stride, float* scale) {
  const int bias = offset ? 128 : 0;
  const int64_t body = k / L * L;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * x_stride;
    int8_t* q = out + r * out_stride;
    float tail[L] = {};  // the last k % L values, zero-padded: computed as the rest
    std::memcpy(tail, row + body, static_cast<size_t>(k - body) * sizeof(float));
    V m{};
    for (int64_t i = 0; i < body; i += L) {
      const V v = load(row + i);
      const V a = v < 0.0f ? -v : v;
      m = a > m ? a : m;
    }
    {
      const V v = load(tail);
      const V a = v < 0.0f ? -v : v;
      m = a > m ? a : m;
    }
    float absmax = 0.0f;
    for (int j = 0; j < L; ++j) absmax = m[j] > absmax ? m[j] : absmax;
    const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
    scale[r] = absmax / 127.0f;
    for (int64_t i = 0; i < body; i += L) {
      const Q v = quantize(load(row + i), inv, bias);
      std::memcpy(q + i, &v, sizeof v);
    }
    const Q t = quantize(load(tail), inv, bias);
    std::memcpy(q + body, &t, static_cast<size_t>(k - body));
    for (int64_t i = k; i < out_stride; ++i) q[i] = static_cast<int8_t>(static_cast<uint8_t>(bias));
  }
}

}  // namespace bertcpp::kernels
