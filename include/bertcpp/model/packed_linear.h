// A transformer layer's dense product, y = act(x W^T + b), with W repacked once, at load, into
// the order the matrix kernel reads it.
//
// Why not BLAS: a BLAS sgemm repacks both operands on every call. For the weights that is the
// same work on every forward pass, and at 128 tokens it costs OpenBLAS 10-20% of its peak
// (bench/). Packed once, the kernel streams each panel of 32 output columns straight from
// cache, adds the bias (and the activation) while the tile is still in registers/L1, and
// threads split the panels, so a single sequence scales over cores with no shared writes.
// The weight is copied; the loader drops the original (model/weights.cpp). A build without
// AVX-512 (-DBERTCPP_NATIVE=OFF, older CPUs) keeps float32 weights row-major and multiplies
// through OpenBLAS instead, which picks its kernel for the CPU at run time.
#pragma once

#include <bertcpp/loaders/config.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace bertcpp {

// What the layers' products multiply in. Sums are float32 either way.
enum class Precision {
  Float32,   // exact to transformers' float32 outputs (parity tests: <= 1e-4)
  BFloat16,  // weights and inputs rounded to bfloat16 (8-bit mantissa): about twice as fast on
             // CPUs with AVX512_BF16 (AMD Zen 4, Intel Sapphire Rapids), ~1e-2 off float32
};
const char* precision_name(Precision precision);  // "float32", "bfloat16"
// "float32"/"fp32"/"bfloat16"/"bf16"; throws std::invalid_argument naming the choices.
Precision parse_precision(const std::string& name);
// Whether this build can run `precision` (bfloat16 needs AVX512_BF16 at compile time).
bool precision_supported(Precision precision);

class PackedLinear {
 public:
  PackedLinear() = default;
  // weight: [out, in] row-major, copied; bias: [out], read in place (kept alive by the caller).
  // Throws std::invalid_argument when this build cannot run `precision`.
  PackedLinear(const float* weight, const float* bias, int64_t out, int64_t in,
               Precision precision = Precision::Float32);

  int64_t out() const { return out_; }
  int64_t in() const { return in_; }
  const float* bias() const { return bias_; }
  Precision precision() const { return precision_; }

  // y[r, 0:out) = act(x[r, 0:in) W^T + b) for r in [0, rows). Strides are in floats; y may not
  // overlap x. `threads` > 1 splits the output columns between that many threads.
  void apply(const float* x, int64_t x_stride, int64_t rows, float* y, int64_t y_stride, int threads,
             std::optional<Activation> activation = std::nullopt) const;

  // The weight back as [out, in] row-major, as stored (rounded for bfloat16); for tests.
  float weight(int64_t o, int64_t i) const;

 private:
  std::shared_ptr<const void> packed_;  // model/gemm.h: panels of 32 output columns
  const float* bias_ = nullptr;
  int64_t out_ = 0, in_ = 0;
  Precision precision_ = Precision::Float32;
};

}  // namespace bertcpp
