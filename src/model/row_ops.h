// The encoder's element-wise passes over packed [rows, cols] row-major matrices, a row at a
// time, through the kernel variant in use (kernels/kernels.h).
#pragma once

#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/weights.h>

namespace bertcpp::detail {

using RowMajorMatrix = RowMatrix;

// y = act(y + bias), row by row.
void add_bias_activation(RowMajorMatrix& y, const float* bias, Activation activation);

// y = LayerNorm(y + residual): a sub-layer's output (bias already added), its residual, its norm.
// `threads` split the rows (each row on its own: the same bits at any count).
void add_residual_layer_norm(RowMajorMatrix& y, const RowMajorMatrix& residual, const LayerNormWeights& norm,
                             float eps, int threads = 1);

// y = LayerNorm(y), rows split as above.
void layer_norm(RowMajorMatrix& y, const LayerNormWeights& norm, float eps, int threads = 1);

}  // namespace bertcpp::detail
