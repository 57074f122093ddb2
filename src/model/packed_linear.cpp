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

namespace {

// x as a product's kernel takes it: float32 as it is, rounded to bfloat16 rows, or quantized
// to int8 rows with their scales. Made once per input, shared by every product of that input.
struct KernelInput {
  const void* data;
  int64_t stride;             // in the kernel's elements (floats, bf16, bytes)
  const float* scale;         // int8: one per row
};

}  // namespace

struct PackedLinear::Prepared : KernelInput {};

PackedLinear::Prepared PackedLinear::prepare(const float* x, int64_t x_stride, int64_t rows, int threads) const {
  const kernels::Kernels& k = *kernels_;
  // The buffers are kept per calling thread: fresh ones per product would fault their pages in again.
  if (precision_ == Precision::Int8) {
    // Each row on its own (the same bits whatever rows share the batch), split by rows.
    const int64_t stride = kernels::unaliased_stride(kernels::s8_stride(in_), 1);
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
    return {{xq, stride, xs}};
  }
  const int64_t stride = precision_ == Precision::BFloat16 ? k.x_bf16_stride(in_) : 0;
  if (stride == 0) {  // float32 x: as it is, or copied to rows whose stride does not alias (kernels.h)
    if (kernels::unaliased_stride(x_stride, sizeof(float)) == x_stride) return {{x, x_stride, nullptr}};
    const int64_t padded = kernels::unaliased_stride(in_, sizeof(float));
    thread_local std::vector<float> copied;
    if (copied.size() < static_cast<size_t>(rows * padded)) copied.resize(static_cast<size_t>(rows * padded));
    float* xc = copied.data();
    runtime::parallel_ranges(static_cast<size_t>(rows), threads, [&](size_t first, size_t end, int) {
      for (auto r = static_cast<int64_t>(first); r < static_cast<int64_t>(end); ++r) {
        std::copy(x + r * x_stride, x + r * x_stride + in_, xc + r * padded);
      }
    });
    return {{xc, padded, nullptr}};
  }
  thread_local std::vector<kernels::bf16> rounded;  // bfloat16 products in hardware: x rounded once
  const int64_t padded = kernels::unaliased_stride(stride, sizeof(kernels::bf16));
  if (rounded.size() < static_cast<size_t>(rows * padded)) rounded.resize(static_cast<size_t>(rows * padded));
  kernels::bf16* xb = rounded.data();
  runtime::parallel_ranges(static_cast<size_t>(rows), threads, [&](size_t first, size_t end, int) {
    k.round_rows(x + static_cast<int64_t>(first) * x_stride, x_stride, static_cast<int64_t>(end - first), in_,
                 xb + static_cast<int64_t>(first) * padded, padded);
  });
  return {{xb, padded, nullptr}};
}

int64_t PackedLinear::panels() const {
  return kernels::panel_count(out_, precision_ == Precision::Int8 ? kernels_->s8_panel : kernels_->panel);
}

void PackedLinear::run_panels(const Prepared& x, int64_t rows, float* y, int64_t y_stride, int64_t first,
                              int64_t end, int activation) const {
  const kernels::Kernels& k = *kernels_;
  switch (precision_) {
    case Precision::Float32:
      k.gemm(static_cast<const float*>(x.data), x.stride, rows, static_cast<const float*>(packed_.get()), in_, out_,
             bias_, y, y_stride, first, end, activation);
      return;
    case Precision::BFloat16:
      k.gemm_bf16(x.data, x.stride, rows, static_cast<const kernels::bf16*>(packed_.get()), in_, out_, bias_, y,
                  y_stride, first, end, activation);
      return;
    case Precision::Int8:
      k.gemm_s8(static_cast<const int8_t*>(x.data), x.stride, x.scale, rows, static_cast<const int8_t*>(packed_.get()),
                w_scale_.get(), in_, out_, bias_, y, y_stride, first, end, activation);
      return;
  }
}

void PackedLinear::apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
                         std::optional<Activation> activation) const {
  const Prepared input = prepare(x, x_stride, rows, threads);
  const int act = kernels::activation_code(activation);
  // Each thread owns whole panels of output columns: no two write the same tile, none waits.
  runtime::parallel_ranges(static_cast<size_t>(panels()), threads, [&](size_t first, size_t end, int) {
    run_panels(input, rows, y, y_stride, static_cast<int64_t>(first), static_cast<int64_t>(end), act);
  });
}

void PackedLinear::apply_side_by_side(const std::vector<const PackedLinear*>& parts, const float* x, int64_t x_stride,
                                      int64_t rows, float* y, int64_t y_stride, int threads) {
  const PackedLinear& first_part = *parts.at(0);
  for (const PackedLinear* p : parts) {
    if (p->in_ != first_part.in_ || p->precision_ != first_part.precision_ || p->kernels_ != first_part.kernels_) {
      throw std::invalid_argument("PackedLinear::apply_side_by_side: the products must share their input width, "
                                  "precision and kernels");
    }
  }
  const Prepared input = first_part.prepare(x, x_stride, rows, threads);
  std::vector<int64_t> starts{0};  // each part's first panel in the joint numbering
  for (const PackedLinear* p : parts) starts.push_back(starts.back() + p->panels());
  runtime::parallel_ranges(static_cast<size_t>(starts.back()), threads, [&](size_t first, size_t end, int) {
    int64_t column = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const int64_t lo = std::max(starts[i], static_cast<int64_t>(first)), hi = std::min(starts[i + 1], static_cast<int64_t>(end));
      if (lo < hi) {
        parts[i]->run_panels(input, rows, y + column, y_stride, lo - starts[i], hi - starts[i], kernels::kNone);
      }
      column += parts[i]->out_;
    }
  });
}

}  // namespace bertcpp
