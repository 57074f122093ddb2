// Symmetric int8 quantization of rows (kernels.h): weights per output channel at load, a
// product's input per row at run time. Not a variant: every variant must multiply the same q,
// so this is compiled once, with the library's flags.
#include "kernels/kernels.h"

namespace bertcpp::kernels {

void quantize_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                   int64_t out_stride, float* scale) {
  const int bias = offset ? 128 : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * x_stride;
    int8_t* q = out + r * out_stride;
    float absmax = 0.0f;
    for (int64_t i = 0; i < k; ++i) {
      const float a = row[i] < 0.0f ? -row[i] : row[i];
      absmax = a > absmax ? a : absmax;
    }
    const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
    scale[r] = absmax / 127.0f;
    for (int64_t i = 0; i < k; ++i) {
      // Round half away from zero, by truncation: no libm call, the same on every CPU.
      const float v = row[i] * inv;
      int n = v != v ? 0 : static_cast<int>(v + (v < 0.0f ? -0.5f : 0.5f));  // NaN (from inf) -> 0
      n = n > 127 ? 127 : n < -127 ? -127 : n;
      q[i] = static_cast<int8_t>(static_cast<uint8_t>(n + bias));
    }
    for (int64_t i = k; i < out_stride; ++i) q[i] = static_cast<int8_t>(static_cast<uint8_t>(bias));
  }
}

}  // namespace bertcpp::kernels
