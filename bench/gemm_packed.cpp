// The peak shape through the encoder's own dense kernel: the weight packed once, outside the
// timing, as at load.
#include "gemm_peak.h"
#include "timing.h"

#include <bertcpp/detail/model/packed_linear.h>

#include <Eigen/Core>

#include <vector>

namespace bertcpp::bench {

double packed_gemm_gflops(int threads, int reps, Precision precision, int64_t m) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index k = 768, n = 3072;
  const Matrix x = Matrix::Random(m, k), w = Matrix::Random(n, k);
  const std::vector<float> bias(static_cast<size_t>(n), 0.0f);
  const PackedLinear dense(w.data(), bias.data(), n, k, precision);
  Matrix y(m, n);
  const double seconds = median_seconds(reps, [&] { dense.apply(x.data(), k, m, y.data(), n, threads); });
  return 2.0 * m * k * n / seconds / 1e9;
}

}  // namespace bertcpp::bench
