#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include <bertcpp/model/packed_linear.h>

#include "model/gemm.h"
#include "model/kernels.h"
#include "model/parallel.h"

#include <cstring>

#include <stdexcept>
#include <string>
#include <vector>

namespace bertcpp {

namespace {

// Without the AVX-512 tile (a portable build, -DBERTCPP_NATIVE=OFF, or an older CPU) the
// portable tile is well behind OpenBLAS, whose sgemm picks its kernel for the CPU at run
// time: float32 weights are then kept row-major and multiplied through it.
#if !defined(__AVX512F__) && defined(EIGEN_USE_BLAS)
constexpr bool kBlasFallback = true;
#else
constexpr bool kBlasFallback = false;
#endif

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Rows = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;
using ConstRows = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;

}  // namespace

const char* precision_name(Precision precision) {
  return precision == Precision::BFloat16 ? "bfloat16" : "float32";
}

Precision parse_precision(const std::string& name) {
  if (name == "float32" || name == "fp32") return Precision::Float32;
  if (name == "bfloat16" || name == "bf16") return Precision::BFloat16;
  throw std::invalid_argument("precision '" + name + "' is not one of float32, bfloat16");
}

bool precision_supported(Precision precision) {
  return precision == Precision::Float32 || detail::bf16_supported();
}

PackedLinear::PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in, Precision precision)
    : bias_(bias), out_(out), in_(in), precision_(precision) {
  if (weight == nullptr || bias == nullptr || out <= 0 || in <= 0) {
    throw std::invalid_argument("PackedLinear: empty weight [" + std::to_string(out) + ", " + std::to_string(in) +
                                "] or null data");
  }
  if (!precision_supported(precision)) {
    throw std::invalid_argument(std::string("precision ") + precision_name(precision) +
                                " needs a CPU with AVX512_BF16 (AMD Zen 4, Intel Sapphire Rapids or later) and a "
                                "build for it (-DBERTCPP_NATIVE=ON on such a machine); use float32");
  }
  if (precision == Precision::BFloat16) {
    // bfloat16 values are 2 bytes: half as many floats' worth of aligned storage.
    detail::AlignedFloats packed = detail::aligned_floats((detail::packed_bf16_count(out, in) + 1) / 2);
    detail::pack_panels_bf16(weight, in, out, in, reinterpret_cast<detail::bf16*>(packed.get()));
    packed_ = std::shared_ptr<const void>(packed.release(), detail::AlignedFree());
  } else if (kBlasFallback) {
    detail::AlignedFloats copy = detail::aligned_floats(static_cast<size_t>(out * in));
    std::memcpy(copy.get(), weight, static_cast<size_t>(out * in) * sizeof(float));
    packed_ = std::shared_ptr<const void>(copy.release(), detail::AlignedFree());
  } else {
    detail::AlignedFloats packed = detail::aligned_floats(detail::packed_floats(out, in));
    detail::pack_panels(weight, in, out, in, packed.get());
    packed_ = std::shared_ptr<const void>(packed.release(), detail::AlignedFree());
  }
}

float PackedLinear::weight(int64_t o, int64_t i) const {
  const int64_t panel = o / detail::kPanel, c = o % detail::kPanel;
  if (precision_ == Precision::BFloat16) {
    const auto* packed = static_cast<const detail::bf16*>(packed_.get());
    const int64_t step = panel * detail::kPanel * detail::even(in_) + (i / 2) * 2 * detail::kPanel;
    return detail::from_bf16(packed[step + (c / 16) * detail::kPanel + 2 * (c % 16) + i % 2]);
  }
  if (kBlasFallback) return static_cast<const float*>(packed_.get())[o * in_ + i];
  return static_cast<const float*>(packed_.get())[(panel * in_ + i) * detail::kPanel + c];
}

void PackedLinear::apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
                         std::optional<Activation> activation) const {
  const auto panels = static_cast<size_t>(detail::panel_count(out_));
  if (precision_ == Precision::Float32 && kBlasFallback) {  // BLAS's own threads split the product
    Rows out(y, rows, out_, Eigen::OuterStride<>(y_stride));
    out.noalias() = ConstRows(x, rows, in_, Eigen::OuterStride<>(x_stride)) *
                    ConstRows(static_cast<const float*>(packed_.get()), out_, in_, Eigen::OuterStride<>(in_)).transpose();
    out.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias_, out_);
    if (activation) {
      for (int64_t r = 0; r < rows; ++r) detail::activate(y + r * y_stride, out_, *activation);
    }
    return;
  }
  if (precision_ == Precision::Float32) {
    // Each thread owns whole panels of output columns: no two write the same tile, none waits.
    detail::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
      detail::gemm_panels(x, x_stride, rows, static_cast<const float*>(packed_.get()), in_, out_, bias_, y, y_stride,
                          static_cast<int64_t>(first), static_cast<int64_t>(end), activation);
    });
    return;
  }
  // bfloat16: x is rounded once, split by rows, then the panels are split as above. The
  // buffer is kept per calling thread: a fresh one per product would fault its pages in again.
  thread_local std::vector<detail::bf16> rounded;
  const int64_t stride = detail::even(in_);
  if (rounded.size() < static_cast<size_t>(rows * stride)) rounded.resize(static_cast<size_t>(rows * stride));
  detail::bf16* xb = rounded.data();
  detail::parallel_ranges(static_cast<size_t>(rows), threads, [&](size_t first, size_t end, int) {
    detail::to_bf16_rows(x + static_cast<int64_t>(first) * x_stride, x_stride, static_cast<int64_t>(end - first), in_,
                         xb + static_cast<int64_t>(first) * stride, stride);
  });
  detail::parallel_ranges(panels, threads, [&](size_t first, size_t end, int) {
    detail::gemm_panels_bf16(xb, stride, rows, static_cast<const detail::bf16*>(packed_.get()), in_, out_, bias_, y,
                             y_stride, static_cast<int64_t>(first), static_cast<int64_t>(end), activation);
  });
}

}  // namespace bertcpp
