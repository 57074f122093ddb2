#include <bertcpp/detail/model/packed_linear.h>

#include "kernels/kernels.h"
#include "runtime/parallel.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace bertcpp {

PackedLinear::PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in, Precision precision)
    : kernels_(&kernels::active()), bias_(bias), out_(out), in_(in), precision_(precision) {
  if (weight == nullptr || out <= 0 || in <= 0) {
    throw std::invalid_argument("PackedLinear: empty weight [" + std::to_string(out) + ", " + std::to_string(in) +
                                "] or null data");
  }
  if (precision == Precision::BFloat16) {
    auto packed = kernels::aligned<kernels::bf16>(kernels_->bf16_count(out, in));
    kernels_->pack_bf16(weight, in, out, in, packed.get());
    packed_ = std::shared_ptr<const void>(packed.release(), kernels::AlignedFree());
  } else {
    auto packed = kernels::aligned<float>(kernels::packed_count(out, in, kernels_->panel));
    kernels_->pack(weight, in, out, in, packed.get());
    packed_ = std::shared_ptr<const void>(packed.release(), kernels::AlignedFree());
  }
}

float PackedLinear::weight(int64_t o, int64_t i) const {
  if (precision_ == Precision::BFloat16) {
    return kernels_->bf16_weight(static_cast<const kernels::bf16*>(packed_.get()), in_, o, i);
  }
  return kernels::packed_weight(static_cast<const float*>(packed_.get()), in_, kernels_->panel, o, i);
}

void PackedLinear::apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
                         std::optional<Activation> activation) const {
  const kernels::Kernels& k = *kernels_;
  const int act = kernels::activation_code(activation);
  const auto panels = static_cast<size_t>(kernels::panel_count(out_, k.panel));
  if (precision_ == Precision::Float32) {
    // Each thread owns whole panels of output columns: no two write the same tile, none waits.
    runtime::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
      k.gemm(x, x_stride, rows, static_cast<const float*>(packed_.get()), in_, out_, bias_, y, y_stride,
             static_cast<int64_t>(first), static_cast<int64_t>(end), act);
    });
    return;
  }
  const auto* packed = static_cast<const kernels::bf16*>(packed_.get());
  const int64_t stride = k.x_bf16_stride(in_);
  if (stride == 0) {  // the variant widens bfloat16 weights and takes x as it is
    runtime::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
      k.gemm_bf16(x, x_stride, rows, packed, in_, out_, bias_, y, y_stride, static_cast<int64_t>(first),
                  static_cast<int64_t>(end), act);
    });
    return;
  }
  // bfloat16 products in hardware: x is rounded once, split by rows, then the panels are split
  // as above. The buffer is kept per calling thread: a fresh one per product would fault its
  // pages in again.
  thread_local std::vector<kernels::bf16> rounded;
  if (rounded.size() < static_cast<size_t>(rows * stride)) rounded.resize(static_cast<size_t>(rows * stride));
  kernels::bf16* xb = rounded.data();
  runtime::parallel_ranges(static_cast<size_t>(rows), threads, [&](size_t first, size_t end, int) {
    k.round_rows(x + static_cast<int64_t>(first) * x_stride, x_stride, static_cast<int64_t>(end - first), in_,
                 xb + static_cast<int64_t>(first) * stride, stride);
  });
  runtime::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
    k.gemm_bf16(xb, stride, rows, packed, in_, out_, bias_, y, y_stride, static_cast<int64_t>(first),
                static_cast<int64_t>(end), act);
  });
}

}  // namespace bertcpp
