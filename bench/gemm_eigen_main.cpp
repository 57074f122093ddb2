// The GEMM peak through Eigen's built-in product (this file is compiled without
// EIGEN_USE_BLAS), as a separate binary so the two routes never mix in one program;
// bertcpp_bench runs it to compare in the same run.
#include "gemm_peak.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 10;
  std::printf("gflops=%.2f route=%s\n", bertcpp::bench::gemm_peak_gflops(1, reps), bertcpp::bench::gemm_route());
  return 0;
}
