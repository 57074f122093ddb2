#include "model/kernels.h"

#include <cmath>

namespace bertcpp::detail {

namespace {

using RowArray = Eigen::Array<float, 1, Eigen::Dynamic>;
using ConstRowMap = Eigen::Map<const RowArray>;

template <typename Row>
void apply_activation(Row&& x, Activation activation) {
  switch (activation) {
    case Activation::Gelu:  // Hugging Face "gelu": exact, 0.5 x (1 + erf(x / sqrt 2))
      x = 0.5f * x * (1.0f + (x * static_cast<float>(M_SQRT1_2)).erf());
      break;
    case Activation::GeluTanh: {  // "gelu_new": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const float k = static_cast<float>(std::sqrt(2.0 / M_PI));
      x = 0.5f * x * (1.0f + (k * (x + 0.044715f * x.cube())).tanh());
      break;
    }
    case Activation::Relu:
      x = x.max(0.0f);
      break;
  }
}

// LayerNorm of one row in place, biased variance as PyTorch computes it.
template <typename Row>
void normalize_row(Row&& x, const LayerNormWeights& norm, float eps) {
  const auto n = static_cast<float>(x.size());
  const float mean = x.sum() / n;
  x -= mean;
  const float inv_std = 1.0f / std::sqrt(x.square().sum() / n + eps);
  x = x * inv_std * ConstRowMap(norm.gamma, norm.size) + ConstRowMap(norm.beta, norm.size);
}

}  // namespace

void activate(float* x, int64_t n, Activation activation) {
  apply_activation(Eigen::Map<RowArray>(x, n), activation);
}

void add_bias_activation(RowMajorMatrix& y, const float* bias, Activation activation) {
  const ConstRowMap b(bias, y.cols());
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    auto row = y.row(r).array();
    row += b;
    apply_activation(row, activation);
  }
}

void add_residual_layer_norm(RowMajorMatrix& y, const RowMajorMatrix& residual, const LayerNormWeights& norm,
                             float eps) {
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    auto row = y.row(r).array();
    row += residual.row(r).array();
    normalize_row(row, norm, eps);
  }
}

void layer_norm(RowMajorMatrix& y, const LayerNormWeights& norm, float eps) {
  for (Eigen::Index r = 0; r < y.rows(); ++r) normalize_row(y.row(r).array(), norm, eps);
}

void scaled_softmax_rows(StridedRows scores, float scale) {
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    auto row = scores.row(r).array();
    const float max = row.maxCoeff();
    row = ((row - max) * scale).exp();
    row /= row.sum();
  }
}

}  // namespace bertcpp::detail
