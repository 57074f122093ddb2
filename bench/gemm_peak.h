// This machine's fp32 GEMM peak: a [1024, 768] x [3072, 768]^T product (BERT-base's
// intermediate dense on 1024 tokens), the shape where a tuned GEMM does best, measured by every
// route in the same run. The peak is the fastest of them, so "% of peak" is measured against
// the best this machine showed, not against our own kernel.
#pragma once

#include <bertcpp/types.h>

#include <cstdint>

namespace bertcpp::bench {

// Through an Eigen product expression: OpenBLAS when linked (set to `threads` threads),
// Eigen's own GEMM otherwise. GFLOP/s, median of `reps`.
double gemm_peak_gflops(int threads, int reps);

// Through the encoder's packed-weight kernel (PackedLinear) in `precision`, on `threads`
// threads: GFLOP/s (int8: GOP/s, a multiply-add counted as two, as for float32). m: the rows of x.
double packed_gemm_gflops(int threads, int reps, Precision precision = Precision::Float32, int64_t m = 1024);

// "OpenBLAS" or "Eigen" (this binary's product route).
const char* gemm_route();

}  // namespace bertcpp::bench
