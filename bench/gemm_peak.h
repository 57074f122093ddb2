// This machine's fp32 GEMM peak, measured the way the encoder multiplies: a
// [1024, 768] x [3072, 768]^T product (BERT-base's intermediate dense on 1024 tokens), through
// the same Eigen product expression, so it takes the same BLAS route as the library.
#pragma once

namespace bertcpp::bench {

// GFLOP/s, median of `reps`, with the BLAS (when linked) set to `threads` threads.
double gemm_peak_gflops(int threads, int reps);

// "OpenBLAS" or "Eigen" (this binary's product route).
const char* gemm_route();

}  // namespace bertcpp::bench
