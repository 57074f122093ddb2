// ForwardOptions::first_token_only computes the last layer for first tokens only: its rows
// must equal the full forward's first-token rows, whatever the threads, layers and outputs.
#include "model/reference.h"

#include <gtest/gtest.h>

namespace bertcpp {
namespace {

using testing::bundled_model;
using testing::reference_batch;

constexpr float kTolerance = 1e-5f;

RowMatrix first_rows(const RowMatrix& hidden, const TokenBatch& batch) {
  RowMatrix first(static_cast<Eigen::Index>(batch.num_sequences()), hidden.cols());
  for (size_t s = 0; s < batch.num_sequences(); ++s) first.row(static_cast<Eigen::Index>(s)) = hidden.row(batch.offsets[s]);
  return first;
}

TEST(FirstTokenOnly, EqualsTheFullForwardsFirstTokensAtEveryDepthAndThreadCount) {
  const TokenBatch batch = reference_batch();
  for (int layers : {0, 1, 2, 4}) {
    for (int threads : {1, 2, 3}) {
      ForwardOptions full, first;
      full.num_layers = first.num_layers = layers;
      full.threads = first.threads = threads;
      first.first_token_only = true;
      const RowMatrix expected = first_rows(bundled_model()->forward(batch, full).hidden_states.back(), batch);
      const RowMatrix got = bundled_model()->forward(batch, first).hidden_states.back();
      ASSERT_EQ(got.rows(), static_cast<Eigen::Index>(batch.num_sequences()));
      EXPECT_LT(testing::max_diff(got, expected), kTolerance) << layers << " layers, " << threads << " threads";
    }
  }
}

TEST(FirstTokenOnly, KeepsEarlierHiddenStatesWholeAndThePoolerEqual) {
  const TokenBatch batch = reference_batch();
  for (int threads : {1, 2}) {
    ForwardOptions full, first;
    full.output_hidden_states = first.output_hidden_states = true;
    full.compute_pooler = first.compute_pooler = true;
    full.threads = first.threads = threads;
    first.first_token_only = true;
    const ForwardOutput a = bundled_model()->forward(batch, full), b = bundled_model()->forward(batch, first);
    ASSERT_EQ(a.hidden_states.size(), b.hidden_states.size());
    for (size_t i = 0; i + 1 < a.hidden_states.size(); ++i) {
      EXPECT_LT(testing::max_diff(a.hidden_states[i], b.hidden_states[i]), kTolerance) << "hidden state " << i;
    }
    EXPECT_LT(testing::max_diff(b.hidden_states.back(), first_rows(a.hidden_states.back(), batch)), kTolerance);
    EXPECT_LT(testing::max_diff(a.pooler_output, b.pooler_output), kTolerance);
  }
}

TEST(FirstTokenOnly, OneSequenceBatchesAgreeWithTheBatchedRun) {
  const TokenBatch batch = reference_batch();
  ForwardOptions first;
  first.first_token_only = true;
  const RowMatrix all = bundled_model()->forward(batch, first).hidden_states.back();
  for (size_t s = 0; s < batch.num_sequences(); s += 7) {
    const RowMatrix got = bundled_model()->forward(testing::single(batch, s), first).hidden_states.back();
    EXPECT_LT(testing::max_diff(got, RowMatrix(all.row(static_cast<Eigen::Index>(s)))), kTolerance) << "sequence " << s;
  }
}

}  // namespace
}  // namespace bertcpp
