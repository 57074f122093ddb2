#include <bertcpp/detail/model/packed_linear.h>

#include "kernels/kernels.h"
#include "runtime/parallel.h"

#include <algorithm>
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
  if (precision == Precision::Int8) {
    if (in > kernels::kMaxS8Inputs) {
      throw std::invalid_argument("PackedLinear: int8 sums " + std::to_string(in) + " inputs, more than the " +
                                  std::to_string(kernels::kMaxS8Inputs) + " whose int32 sum stays exact");
    }
    const kernels::S8Layout layout = kernels::s8_layout(kernels_->s8_panel, in);
    const auto columns = static_cast<size_t>(kernels::panel_count(out, kernels_->s8_panel) * kernels_->s8_panel);
    std::vector<int8_t> q(static_cast<size_t>(out * in));
    auto scale = kernels::aligned<float>(columns);
    std::fill(scale.get(), scale.get() + columns, 0.0f);
    kernels::quantize_rows(weight, in, out, in, false, q.data(), in, scale.get());
    auto packed = kernels::aligned<int8_t>(layout.bytes(out));
    kernels_->pack_s8(q.data(), out, in, packed.get());
    packed_ = std::shared_ptr<const void>(packed.release(), kernels::AlignedFree());
    w_scale_ = std::shared_ptr<const float>(scale.release(), kernels::AlignedFree());
  } else if (precision == Precision::BFloat16) {
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
  if (precision_ == Precision::Int8) {
    const auto* packed = static_cast<const int8_t*>(packed_.get());
    return static_cast<float>(packed[kernels::s8_layout(kernels_->s8_panel, in_).index(o, i)]) * w_scale_.get()[o];
  }
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
  if (precision_ == Precision::Int8) {
    apply_int8(x, x_stride, rows, y, y_stride, threads, act);
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

void PackedLinear::apply_int8(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride,
                              int threads, int activation) const {
  const kernels::Kernels& k = *kernels_;
  const auto panels = static_cast<size_t>(kernels::panel_count(out_, k.s8_panel));
  const int64_t stride = kernels::s8_stride(in_);
  // x's rows quantized once (each row on its own: same bits whatever rows share the batch),
  // split by rows; then the panels split as for float32. Buffers kept per calling thread.
  thread_local std::vector<int8_t> quantized;
  thread_local std::vector<float> scales;
  if (quantized.size() < static_cast<size_t>(rows * stride)) quantized.resize(static_cast<size_t>(rows * stride));
  if (scales.size() < static_cast<size_t>(rows)) scales.resize(static_cast<size_t>(rows));
  int8_t* xq = quantized.data();
  float* xs = scales.data();
  runtime::parallel_ranges(static_cast<size_t>(rows), threads, [&](size_t first, size_t end, int) {
    const auto r = static_cast<int64_t>(first);
    k.quantize_rows(x + r * x_stride, x_stride, static_cast<int64_t>(end - first), in_, k.s8_offset_x,
                    xq + r * stride, stride, xs + r);
  });
  const auto* packed = static_cast<const int8_t*>(packed_.get());
  runtime::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
    k.gemm_s8(xq, stride, xs, rows, packed, w_scale_.get(), in_, out_, bias_, y, y_stride,
              static_cast<int64_t>(first), static_cast<int64_t>(end), activation);
  });
}

}  // namespace bertcpp
