// A transformer layer's dense product, y = act(x W^T + b), with W repacked once, at load, into
// the order the matrix kernel of the CPU's variant reads it (kernels/kernels.h).
//
// Why not BLAS: a BLAS sgemm repacks both operands on every call. For the weights that is the
// same work on every forward pass, and at 128 tokens it costs OpenBLAS 10-20% of its peak
// (bench/). Packed once, the kernel streams each panel of output columns straight from
// cache, adds the bias (and the activation) while the tile is still in registers/L1, and
// threads split the panels, so a single sequence scales over cores with no shared writes and
// the result is the same bits at any thread count. The weight is copied; the loader drops the
// original (model/weights.cpp).
//
// Precision::Int8 quantizes W per output channel here and x per row in apply() (symmetric,
// |q| <= 127, kernels/kernels.h), sums in int32 and scales back in the tile's epilogue, with
// the bias and activation; x's rows are quantized once per input, before the panels split.
#pragma once

#include <bertcpp/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

namespace kernels {
struct Kernels;
}

class PackedLinear {
 public:
  PackedLinear() = default;
  // weight: [out, in] row-major, copied; bias: [out] or null, read in place (kept alive by the
  // caller). Packed for the kernel variant in use (cpu.h).
  PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in,
               Precision precision = Precision::Float32);

  int64_t out() const { return out_; }
  int64_t in() const { return in_; }
  const float* bias() const { return bias_; }
  Precision precision() const { return precision_; }

  // y[r, 0:out) = act(x[r, 0:in) W^T + b) for r in [0, rows). Strides are in floats; y may not
  // overlap x. `threads` > 1 splits the output columns between up to that many threads.
  void apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
             std::optional<Activation> activation = std::nullopt) const;

  // Several products of one input written side by side into y (Q|K|V, the i-th part's columns
  // after those of the parts before it): x is rounded or quantized once for all of them and
  // their panels split between the threads together. The same bits as one apply() per part.
  // The parts must share in() and precision() (std::invalid_argument otherwise).
  static void apply_side_by_side(const std::vector<const PackedLinear*>& parts, const float* x, int64_t x_stride,
                                 int64_t rows, float* y, int64_t y_stride, int threads);

  // The weight back as [out, in] row-major, as stored (rounded for bfloat16, q x scale for
  // int8); for tests.
  float weight(int64_t o, int64_t i) const;

 private:
  struct Prepared;  // x as the kernel takes it (packed_linear.cpp)
  Prepared prepare(const float* x, int64_t x_stride, int64_t rows, int threads) const;
  int64_t panels() const;
  void run_panels(const Prepared& x, int64_t rows, float* y, int64_t y_stride, int64_t first_panel,
                  int64_t end_panel, int activation) const;

  std::shared_ptr<const void> packed_;  // panels of the variant's width
  std::shared_ptr<const float> w_scale_;  // int8: each output column's scale, zero-padded to whole panels
  const kernels::Kernels* kernels_ = nullptr;
  const float* bias_ = nullptr;
  int64_t out_ = 0, in_ = 0;
  Precision precision_ = Precision::Float32;
};

}  // namespace bertcpp
