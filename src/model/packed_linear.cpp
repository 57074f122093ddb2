#include <bertcpp/model/packed_linear.h>

#include "model/gemm.h"
#include "model/parallel.h"

#include <stdexcept>
#include <string>

namespace bertcpp {

PackedLinear::PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in)
    : bias_(bias), out_(out), in_(in) {
  if (weight == nullptr || bias == nullptr || out <= 0 || in <= 0) {
    throw std::invalid_argument("PackedLinear: empty weight [" + std::to_string(out) + ", " + std::to_string(in) +
                                "] or null data");
  }
  detail::AlignedFloats packed = detail::aligned_floats(detail::packed_floats(out, in));
  detail::pack_panels(weight, in, out, in, packed.get());
  packed_ = std::shared_ptr<const float>(packed.release(), detail::AlignedFree());
}

float PackedLinear::weight(int64_t o, int64_t i) const {
  return packed_.get()[(o / detail::kPanel * in_ + i) * detail::kPanel + o % detail::kPanel];
}

void PackedLinear::apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
                         std::optional<Activation> activation) const {
  // Each thread owns whole panels of output columns: no two write the same tile, none waits.
  detail::parallel_ranges(static_cast<size_t>(detail::panel_count(out_)), threads,
                          [&](size_t first, size_t end, int /*worker*/) {
                            detail::gemm_panels(x, x_stride, rows, packed_.get(), in_, out_, bias_, y, y_stride,
                                                static_cast<int64_t>(first), static_cast<int64_t>(end), activation);
                          });
}

}  // namespace bertcpp
