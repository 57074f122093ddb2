// The fused passes against their textbook formulas, one scalar at a time.
#include "model/row_ops.h"

#include <gtest/gtest.h>

#include <cmath>

namespace bertcpp::detail {
namespace {

TEST(RowOps, ActivationsFollowTheirDefinitions) {
  RowMajorMatrix x(2, 4);
  x << -3.0f, -0.5f, 0.0f, 0.7f, 1.5f, 2.0f, -1.0f, 4.0f;
  const float bias[4] = {0.1f, -0.2f, 0.3f, 0.0f};
  for (Activation act : {Activation::Gelu, Activation::GeluTanh, Activation::Relu}) {
    RowMajorMatrix y = x;
    add_bias_activation(y, bias, act);
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 4; ++c) {
        const double v = x(r, c) + bias[c];
        double expected = 0;
        if (act == Activation::Gelu) expected = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        if (act == Activation::GeluTanh)
          expected = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        if (act == Activation::Relu) expected = v > 0 ? v : 0;
        EXPECT_NEAR(y(r, c), expected, 1e-6) << activation_name(act) << " at " << v;
      }
    }
  }
}

TEST(RowOps, ResidualLayerNormNormalizesEachRow) {
  RowMajorMatrix y(2, 3), residual(2, 3);
  y << 1, 2, 3, -1, 0, 5;
  residual << 0.5, 0, -0.5, 2, 2, 2;
  const float gamma[3] = {1, 2, 0.5f}, beta[3] = {0, 0.1f, -1};
  const LayerNormWeights norm{gamma, beta, 3};
  RowMajorMatrix out = y;
  add_residual_layer_norm(out, residual, norm, 1e-12f);
  for (int r = 0; r < 2; ++r) {
    double v[3], mean = 0, var = 0;
    for (int c = 0; c < 3; ++c) mean += v[c] = y(r, c) + residual(r, c);
    mean /= 3;
    for (double x : v) var += (x - mean) * (x - mean) / 3;
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(out(r, c), (v[c] - mean) / std::sqrt(var + 1e-12) * gamma[c] + beta[c], 1e-5);
    }
  }
}

}  // namespace
}  // namespace bertcpp::detail
