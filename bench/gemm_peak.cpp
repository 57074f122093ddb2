#include "model/eigen.h"  // first: the library's EIGEN_USE_BLAS decision

#include "gemm_peak.h"
#include "timing.h"

#include <Eigen/Core>

#if defined(BERTCPP_USE_BLAS) && BERTCPP_USE_BLAS
#include "model/parallel.h"
#endif

namespace bertcpp::bench {

namespace {
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}

const char* gemm_route() {
#ifdef EIGEN_USE_BLAS
  return "OpenBLAS";
#else
  return "Eigen";
#endif
}

double gemm_peak_gflops(int threads, int reps) {
#if defined(BERTCPP_USE_BLAS) && BERTCPP_USE_BLAS
  detail::set_blas_threads(threads);
#else
  (void)threads;  // Eigen's own GEMM is single-threaded without OpenMP
#endif
  const Eigen::Index m = 1024, k = 768, n = 3072;
  const Matrix x = Matrix::Random(m, k), w = Matrix::Random(n, k);
  Matrix y(m, n);
  const double seconds = median_seconds(reps, [&] { y.noalias() = x * w.transpose(); });
  return 2.0 * m * k * n / seconds / 1e9;
}

}  // namespace bertcpp::bench
