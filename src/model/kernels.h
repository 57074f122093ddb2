// The encoder's fused element-wise passes over packed [rows, cols] row-major matrices.
// Each walks the matrix once, a row at a time, with Eigen's vectorized array operations.
#pragma once

#include "model/eigen.h"

#include <bertcpp/loaders/config.h>
#include <bertcpp/model/weights.h>

namespace bertcpp::detail {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedRows = Eigen::Map<RowMajorMatrix, 0, Eigen::OuterStride<>>;

// x[0:n) = act(x[0:n)), in place.
void activate(float* x, int64_t n, Activation activation);

// y = act(y + bias), row by row.
void add_bias_activation(RowMajorMatrix& y, const float* bias, Activation activation);

// y = LayerNorm(y + residual): a sub-layer's output (bias already added), its residual, its norm.
void add_residual_layer_norm(RowMajorMatrix& y, const RowMajorMatrix& residual, const LayerNormWeights& norm,
                             float eps);

// y = LayerNorm(y).
void layer_norm(RowMajorMatrix& y, const LayerNormWeights& norm, float eps);

// Each row of `scores` becomes softmax(row * scale), computed stably (max subtracted).
void scaled_softmax_rows(StridedRows scores, float scale);

}  // namespace bertcpp::detail
