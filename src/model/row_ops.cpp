#include "model/row_ops.h"

#include "kernels/kernels.h"
#include "runtime/parallel.h"

namespace bertcpp::detail {

void add_bias_activation(RowMajorMatrix& y, const float* bias, Activation activation) {
  const kernels::Kernels& k = kernels::active();
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    float* row = y.data() + r * y.cols();
    for (Eigen::Index c = 0; c < y.cols(); ++c) row[c] += bias[c];
    k.activate(row, y.cols(), static_cast<int>(activation));
  }
}

void add_residual_layer_norm(RowMajorMatrix& y, const RowMajorMatrix& residual, const LayerNormWeights& norm,
                             float eps, int threads) {
  const kernels::Kernels& k = kernels::active();
  const Eigen::Index cols = y.cols();
  runtime::parallel_ranges(static_cast<size_t>(y.rows()), threads, [&](size_t first, size_t end, int) {
    const auto r = static_cast<Eigen::Index>(first);
    k.layer_norm(y.data() + r * cols, static_cast<int64_t>(end - first), cols, cols, residual.data() + r * residual.cols(),
                 residual.cols(), norm.gamma, norm.beta, eps);
  });
}

void layer_norm(RowMajorMatrix& y, const LayerNormWeights& norm, float eps, int threads) {
  const kernels::Kernels& k = kernels::active();
  const Eigen::Index cols = y.cols();
  runtime::parallel_ranges(static_cast<size_t>(y.rows()), threads, [&](size_t first, size_t end, int) {
    k.layer_norm(y.data() + static_cast<Eigen::Index>(first) * cols, static_cast<int64_t>(end - first), cols, cols,
                 nullptr, 0, norm.gamma, norm.beta, eps);
  });
}

}  // namespace bertcpp::detail
