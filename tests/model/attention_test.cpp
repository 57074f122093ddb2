// One head's attention against softmax(q k^T * scale) v computed in double, over lengths and
// head sizes that leave partial panels and tiles (TinyBERT's heads are 26 wide), with q, k, v
// and the context read and written through row strides as the encoder lays them out. Each case
// runs in float32 and with bf16_products: bfloat16 products where the CPU has them (within
// bfloat16's rounding of the definition, and not float32's bits: the path really ran),
// float32 elsewhere.
#include "model/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <random>
#include <vector>

namespace bertcpp::detail {
namespace {

struct Case {
  int64_t queries, len, d;
};

class AttentionCase : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(AttentionCase, MatchesTheDefinition) {
  const auto [c, bf16_products] = GetParam();
  const int64_t stride = 3 * c.d + 5;  // q | k | v side by side, plus unrelated columns
  std::mt19937 gen(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(std::max(c.queries, c.len) * stride));
  for (float& f : qkv) f = normal(gen);
  const float* q = qkv.data();
  const float* k = q + c.d;
  const float* v = q + 2 * c.d;
  const int64_t context_stride = c.d + 3;
  const float sentinel = -7.0f;
  std::vector<float> context(static_cast<size_t>(c.queries * context_stride), sentinel);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.d));

  AttentionScratch scratch(c.len + 3, c.d, bf16_products);  // scratch may be larger than the sequence
  ASSERT_EQ(scratch.bf16, bf16_products && kernels::active().native_bf16);
  attend(q, stride, c.queries, k, v, stride, c.len, c.d, scale, scratch, context.data(), context_stride, bf16_products);
  // bfloat16 keeps 8 bits: q.k and p.v are off by about 2^-8 of their terms' size.
  const double tolerance = scratch.bf16 ? 2e-2 : 1e-5;
  double largest_error = 0;

  for (int64_t r = 0; r < c.queries; ++r) {
    std::vector<double> p(static_cast<size_t>(c.len));
    double max = -1e300, sum = 0;
    for (int64_t j = 0; j < c.len; ++j) {
      double dot = 0;
      for (int64_t i = 0; i < c.d; ++i) dot += double{q[r * stride + i]} * k[j * stride + i];
      p[static_cast<size_t>(j)] = dot * scale;
      max = std::max(max, p[static_cast<size_t>(j)]);
    }
    for (double& x : p) sum += x = std::exp(x - max);
    for (int64_t i = 0; i < c.d; ++i) {
      double expected = 0;
      for (int64_t j = 0; j < c.len; ++j) expected += p[static_cast<size_t>(j)] / sum * v[j * stride + i];
      const float got = context[static_cast<size_t>(r * context_stride + i)];
      ASSERT_NEAR(got, expected, tolerance) << "query " << r << ", " << i;
      largest_error = std::max(largest_error, std::abs(got - expected));
    }
    for (int64_t i = c.d; i < context_stride; ++i) {
      ASSERT_EQ(context[static_cast<size_t>(r * context_stride + i)], sentinel) << "wrote past the head, query " << r;
    }
  }
  if (scratch.bf16 && c.len > 1) EXPECT_GT(largest_error, 1e-5) << "float32's result: the bfloat16 path did not run";
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionCase,
                         ::testing::Combine(::testing::Values(Case{1, 1, 1},       // one token
                                           Case{5, 37, 26},     // TinyBERT's head, partial panels
                                           Case{1, 40, 64},     // first_token_only: one query
                                           Case{13, 13, 64},    // one past a tile of queries
                                           Case{130, 130, 64},  // BERT's head over 5 panels of keys
                                           Case{3, 400, 96},    // more keys than a row block
                                           Case{7, 511, 64}),   // an odd count: the last pair of keys half empty
                                           ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<Case, bool>>& info) {
                           const Case& c = std::get<0>(info.param);
                           return std::to_string(c.queries) + "_queries_" + std::to_string(c.len) + "_keys_d" +
                                  std::to_string(c.d) + (std::get<1>(info.param) ? "_bf16" : "_f32");
                         });

}  // namespace
}  // namespace bertcpp::detail
