#include "model/row_ops.h"

#include "kernels/kernels.h"

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
                             float eps) {
  kernels::active().layer_norm(y.data(), y.rows(), y.cols(), y.cols(), residual.data(), residual.cols(), norm.gamma,
                               norm.beta, eps);
}

void layer_norm(RowMajorMatrix& y, const LayerNormWeights& norm, float eps) {
  kernels::active().layer_norm(y.data(), y.rows(), y.cols(), y.cols(), nullptr, 0, norm.gamma, norm.beta, eps);
}

}  // namespace bertcpp::detail
