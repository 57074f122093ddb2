// One head's attention against softmax(q k^T * scale) v computed in double, over lengths and
// head sizes that leave partial panels and tiles (TinyBERT's heads are 26 wide), with q, k, v
// and the context read and written through row strides as the encoder lays them out.
#include "model/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace bertcpp::detail {
namespace {

struct Case {
  int64_t queries, len, d;
};

class AttentionCase : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionCase, MatchesTheDefinition) {
  const Case c = GetParam();
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

  AttentionScratch scratch(c.len + 3, c.d);  // scratch may be larger than the sequence
  attend(q, stride, c.queries, k, v, stride, c.len, c.d, scale, scratch, context.data(), context_stride);

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
      ASSERT_NEAR(context[static_cast<size_t>(r * context_stride + i)], expected, 1e-5) << "query " << r << ", " << i;
    }
    for (int64_t i = c.d; i < context_stride; ++i) {
      ASSERT_EQ(context[static_cast<size_t>(r * context_stride + i)], sentinel) << "wrote past the head, query " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionCase,
                         ::testing::Values(Case{1, 1, 1},       // one token
                                           Case{5, 37, 26},     // TinyBERT's head, partial panels
                                           Case{1, 40, 64},     // first_token_only: one query
                                           Case{13, 13, 64},    // one past a tile of queries
                                           Case{130, 130, 64},  // BERT's head over 5 panels of keys
                                           Case{3, 400, 96}),   // more keys than a row block
                         [](const ::testing::TestParamInfo<Case>& info) {
                           const Case& c = info.param;
                           return std::to_string(c.queries) + "_queries_" + std::to_string(c.len) + "_keys_d" +
                                  std::to_string(c.d);
                         });

}  // namespace
}  // namespace bertcpp::detail
