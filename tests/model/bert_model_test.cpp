// BertModel's invariants: batching, threads and layer subsets never change the numbers;
// bad input and bad weights fail with messages that name the culprit.
#include <bertcpp/detail/heads/heads.h>

#include "model/reference.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace bertcpp {
namespace {

using testing::bundled_model;
using testing::bundled_tensors;
using testing::reference_batch;
using testing::single;

constexpr float kTolerance = 1e-5f;

TEST(BertModel, BatchedEqualsOneByOne) {
  const TokenBatch batch = reference_batch();
  ForwardOptions options;
  options.compute_pooler = true;
  const ForwardOutput all = bundled_model()->forward(batch, options);
  for (size_t s = 0; s < batch.num_sequences(); ++s) {
    const ForwardOutput one = bundled_model()->forward(single(batch, s), options);
    const RowMatrix rows = all.hidden_states.back().middleRows(batch.offsets[s], batch.length(s));
    EXPECT_LT(testing::max_diff(one.hidden_states.back(), rows), kTolerance) << "sequence " << s;
    EXPECT_LT(testing::max_diff(one.pooler_output, RowMatrix(all.pooler_output.row(s))), kTolerance);
  }
}

// Threads split whole products and whole (sequence, head) pairs, never one dot product, so
// the hidden states are the same bits whatever the thread count or grouping. (The pooler's
// product goes through BLAS, whose thread count may regroup its sums.)
TEST(BertModel, ThreadCountDoesNotChangeTheHiddenStates) {
  const TokenBatch batch = reference_batch();
  ForwardOptions one;
  one.threads = 1;
  one.compute_pooler = true;
  const ForwardOutput a = bundled_model()->forward(batch, one);
  for (int threads : {2, 3, 5}) {
    ForwardOptions more = one;
    more.threads = threads;
    const ForwardOutput b = bundled_model()->forward(batch, more);
    EXPECT_EQ(testing::max_diff(a.hidden_states.back(), b.hidden_states.back()), 0.0f) << threads << " threads";
    EXPECT_LT(testing::max_diff(a.pooler_output, b.pooler_output), kTolerance) << threads << " threads";
    const RowMatrix alone = bundled_model()->forward(single(batch, 1), more).hidden_states.back();
    EXPECT_EQ(testing::max_diff(alone, RowMatrix(a.hidden_states.back().middleRows(batch.offsets[1], alone.rows()))),
              0.0f)
        << "sequence 1 on its own, " << threads << " threads";
  }
}

TEST(BertModel, ConcurrentCallsOnOneModelAgree) {
  const TokenBatch batch = reference_batch();
  const RowMatrix expected = bundled_model()->forward(batch).hidden_states.back();
  std::vector<RowMatrix> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = bundled_model()->forward(batch).hidden_states.back(); });
  }
  for (auto& t : threads) t.join();
  for (const RowMatrix& r : results) EXPECT_LT(testing::max_diff(r, expected), kTolerance);
}

TEST(BertModel, RunningFewerLayersGivesThatLayersHiddenState) {
  const TokenBatch batch = reference_batch();
  ForwardOptions all;
  all.output_hidden_states = true;
  const ForwardOutput full = bundled_model()->forward(batch, all);
  ASSERT_EQ(full.hidden_states.size(), 5u);
  for (int k = 0; k <= 4; ++k) {
    ForwardOptions partial;
    partial.num_layers = k;
    const ForwardOutput out = bundled_model()->forward(batch, partial);
    ASSERT_EQ(out.hidden_states.size(), 1u);
    EXPECT_LT(testing::max_diff(out.hidden_states[0], full.hidden_states[static_cast<size_t>(k)]), kTolerance);
  }
  ForwardOptions too_many;
  too_many.num_layers = 5;
  EXPECT_THROW(bundled_model()->forward(batch, too_many), std::invalid_argument);
}

void expect_invalid(const TokenBatch& batch, const std::string& needle) {
  try {
    bundled_model()->forward(batch);
    FAIL() << "no exception for " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BertModel, RejectsIdsTypesAndPositionsOutsideTheConfigNamingValueAndLimit) {
  Encoding e;
  e.ids = {101, 2000, 102};
  e.type_ids = {0, 0, 0};
  TokenBatch bad_id = TokenBatch::from_encodings({e});
  bad_id.ids[1] = 30522;
  expect_invalid(bad_id, "30522");
  TokenBatch negative = TokenBatch::from_encodings({e});
  negative.ids[1] = -1;
  expect_invalid(negative, "-1");
  TokenBatch bad_type = TokenBatch::from_encodings({e});
  bad_type.type_ids[2] = 2;
  expect_invalid(bad_type, "type_vocab_size = 2");
  TokenBatch bad_position = TokenBatch::from_encodings({e});
  bad_position.positions[2] = 512;
  expect_invalid(bad_position, "max_position_embeddings = 512");
  TokenBatch bad_offsets = TokenBatch::from_encodings({e});
  bad_offsets.offsets = {0, 2};
  expect_invalid(bad_offsets, "offsets");
}

TEST(BertModel, LongestAllowedSequenceRuns) {
  Encoding e;
  e.ids.assign(512, 1000);
  const ForwardOutput out = bundled_model()->forward(TokenBatch::from_encodings({e}));
  EXPECT_EQ(out.hidden_states.back().rows(), 512);
  EXPECT_TRUE(out.hidden_states.back().allFinite());
}

TEST(BertModel, MissingHeadsAreReportedClearly) {
  const BertModel& full = *bundled_model();
  TensorMap tensors = bundled_tensors();
  for (auto it = tensors.begin(); it != tensors.end();) {
    it = it->first.rfind("cls.", 0) == 0 ? tensors.erase(it) : std::next(it);
  }
  const BertModel bare(full.config(), std::make_shared<const BertWeights>(
                                          BertWeights::from_tensors(std::move(tensors), full.config())));
  EXPECT_FALSE(bare.has_mlm_head());
  EXPECT_FALSE(bare.has_nsp_head());
  EXPECT_TRUE(full.has_mlm_head());
  EXPECT_TRUE(full.has_nsp_head());
  const RowMatrix hidden = RowMatrix::Zero(2, 256);
  try {
    mlm_logits(bare, hidden, {0});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cls.predictions"), std::string::npos);
  }
  try {
    nsp_logits(bare, hidden);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cls.seq_relationship"), std::string::npos);
  }
}

TEST(BertWeights, MissingOrMisshapenTensorsNameTheTensorFileAndShapes) {
  const BertModel& full = *bundled_model();
  {
    TensorMap tensors = bundled_tensors();
    tensors.erase("encoder.layer.2.intermediate.dense.weight");
    try {
      BertWeights::from_tensors(std::move(tensors), full.config());
      FAIL();
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("encoder.layer.2.intermediate.dense.weight"), std::string::npos) << what;
      EXPECT_NE(what.find("[1024, 256]"), std::string::npos) << what;
    }
  }
  {
    BertConfig wider = full.config();
    wider.intermediate_size = 2048;
    try {
      BertWeights::from_tensors(bundled_tensors(), wider);
      FAIL();
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("encoder.layer.0.intermediate.dense.weight"), std::string::npos) << what;
      EXPECT_NE(what.find("model.safetensors"), std::string::npos) << what;
      EXPECT_NE(what.find("[1024, 256]"), std::string::npos) << what;
      EXPECT_NE(what.find("[2048, 256]"), std::string::npos) << what;
    }
  }
  {
    TensorMap tensors = bundled_tensors();
    tensors.erase("cls.predictions.transform.LayerNorm.weight");  // a head half there is an error
    EXPECT_THROW(BertWeights::from_tensors(std::move(tensors), full.config()), std::runtime_error);
  }
}

TEST(TokenBatch, FromEncodingsAndFromPaddedPack) {
  Encoding a, b;
  a.ids = {101, 7, 102};
  a.type_ids = {0, 0, 0};
  b.ids = {101, 102};
  b.type_ids = {0, 1};
  const TokenBatch packed = TokenBatch::from_encodings({a, b});
  EXPECT_EQ(packed.offsets, (std::vector<int64_t>{0, 3, 5}));
  EXPECT_EQ(packed.positions, (std::vector<int32_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(packed.type_ids, (std::vector<int32_t>{0, 0, 0, 0, 1}));

  const int32_t ids[] = {101, 7, 102, 101, 102, 0};
  const int32_t mask[] = {1, 1, 1, 1, 1, 0};
  const TokenBatch padded = TokenBatch::from_padded(ids, mask, nullptr, 2, 3);
  EXPECT_EQ(padded.offsets, (std::vector<int64_t>{0, 3, 5}));
  EXPECT_EQ(padded.ids, (std::vector<int32_t>{101, 7, 102, 101, 102}));
  EXPECT_EQ(padded.positions, (std::vector<int32_t>{0, 1, 2, 0, 1}));
}

}  // namespace
}  // namespace bertcpp
