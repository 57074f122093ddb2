// The GEMM peak through a BLAS (OpenBLAS, which picks its own kernel for the CPU at run time)
// when the benchmark is linked to one, else through Eigen's own product. The library itself
// never calls a BLAS: this is the yardstick only.
#include "gemm_peak.h"
#include "timing.h"

#include <Eigen/Core>

#if defined(BERTCPP_BENCH_OPENBLAS)
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace bertcpp::bench {

namespace {
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}

const char* gemm_route() {
#if defined(BERTCPP_BENCH_OPENBLAS)
  return "OpenBLAS";
#else
  return "Eigen";
#endif
}

double gemm_peak_gflops(int threads, int reps) {
  const Eigen::Index m = 1024, k = 768, n = 3072;
  const Matrix x = Matrix::Random(m, k), w = Matrix::Random(n, k);
  Matrix y(m, n);
#if defined(BERTCPP_BENCH_OPENBLAS)
  openblas_set_num_threads(threads);
  const double seconds = median_seconds(reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                1.0f, x.data(), static_cast<int>(k), w.data(), static_cast<int>(k), 0.0f, y.data(), static_cast<int>(n));
  });
#else
  (void)threads;  // Eigen's own GEMM runs on one thread here
  const double seconds = median_seconds(reps, [&] { y.noalias() = x * w.transpose(); });
#endif
  return 2.0 * m * k * n / seconds / 1e9;
}

}  // namespace bertcpp::bench
