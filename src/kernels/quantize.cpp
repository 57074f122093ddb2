// kernels::quantize_rows (kernels.h): the generic variant's, for weights at load and for tests;
// a product's input goes through its variant's Kernels::quantize_rows, the same q at its width.
#include "kernels/kernels.h"
#include "kernels/variants.h"

namespace bertcpp::kernels {

void quantize_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,
                   int64_t out_stride, float* scale) {
  generic::quantize_rows(x, x_stride, rows, k, offset, out, out_stride, scale);
}

}  // namespace bertcpp::kernels
