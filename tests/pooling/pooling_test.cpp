// Pooling strategies on small hand-made batches, names, and normalization.
#include <bertcpp/pooling/pooling.h>
#include <bertcpp/detail/model/bert_model.h>

#include <gtest/gtest.h>

#include <stdexcept>

namespace bertcpp {
namespace {

// Two sequences of 2 and 3 tokens, H = 2.
struct Fixture {
  TokenBatch batch;
  RowMatrix hidden{5, 2};
  Fixture() {
    batch.ids = {1, 2, 3, 4, 5};
    batch.type_ids = {0, 0, 0, 0, 0};
    batch.positions = {0, 1, 0, 1, 2};
    batch.offsets = {0, 2, 5};
    hidden << 1, -2,  //
        3, 4,         //
        -1, 0,        //
        5, 6,         //
        2, -9;
  }
};

TEST(Pooling, MeanMaxFirstLastPerSequence) {
  Fixture f;
  RowMatrix mean = pool(f.hidden, f.batch, PoolingStrategy::ReduceMean);
  EXPECT_FLOAT_EQ(mean(0, 0), 2.0f);
  EXPECT_FLOAT_EQ(mean(0, 1), 1.0f);
  EXPECT_FLOAT_EQ(mean(1, 0), 2.0f);
  EXPECT_FLOAT_EQ(mean(1, 1), -1.0f);
  RowMatrix max = pool(f.hidden, f.batch, PoolingStrategy::ReduceMax);
  EXPECT_FLOAT_EQ(max(0, 1), 4.0f);
  EXPECT_FLOAT_EQ(max(1, 0), 5.0f);
  RowMatrix both = pool(f.hidden, f.batch, PoolingStrategy::ReduceMeanMax);
  ASSERT_EQ(both.cols(), 4);
  EXPECT_FLOAT_EQ(both(1, 1), -1.0f);
  EXPECT_FLOAT_EQ(both(1, 3), 6.0f);
  RowMatrix first = pool(f.hidden, f.batch, PoolingStrategy::FirstToken);
  EXPECT_FLOAT_EQ(first(1, 0), -1.0f);
  RowMatrix last = pool(f.hidden, f.batch, PoolingStrategy::LastToken);
  EXPECT_FLOAT_EQ(last(0, 0), 3.0f);
  EXPECT_FLOAT_EQ(last(1, 1), -9.0f);
}

TEST(Pooling, RejectsStrategiesThatAreNotReductionsAndMismatchedBatches) {
  Fixture f;
  EXPECT_THROW(pool(f.hidden, f.batch, PoolingStrategy::ClsPooled), std::invalid_argument);
  EXPECT_THROW(pool(f.hidden, f.batch, PoolingStrategy::None), std::invalid_argument);
  RowMatrix short_hidden = f.hidden.topRows(4);
  EXPECT_THROW(pool(short_hidden, f.batch, PoolingStrategy::ReduceMean), std::invalid_argument);
}

TEST(Pooling, ParsesBertAsServiceNamesAndAliasesCaseInsensitively) {
  EXPECT_EQ(parse_pooling_strategy("REDUCE_MEAN"), PoolingStrategy::ReduceMean);
  EXPECT_EQ(parse_pooling_strategy("reduce_max"), PoolingStrategy::ReduceMax);
  EXPECT_EQ(parse_pooling_strategy("Reduce_Mean_Max"), PoolingStrategy::ReduceMeanMax);
  EXPECT_EQ(parse_pooling_strategy("CLS_TOKEN"), PoolingStrategy::FirstToken);
  EXPECT_EQ(parse_pooling_strategy("first_token"), PoolingStrategy::FirstToken);
  EXPECT_EQ(parse_pooling_strategy("SEP_TOKEN"), PoolingStrategy::LastToken);
  EXPECT_EQ(parse_pooling_strategy("last_token"), PoolingStrategy::LastToken);
  EXPECT_EQ(parse_pooling_strategy("cls_pooled"), PoolingStrategy::ClsPooled);
  EXPECT_EQ(parse_pooling_strategy("NONE"), PoolingStrategy::None);
  for (PoolingStrategy s : {PoolingStrategy::ReduceMean, PoolingStrategy::ReduceMax, PoolingStrategy::ReduceMeanMax,
                            PoolingStrategy::FirstToken, PoolingStrategy::LastToken, PoolingStrategy::ClsPooled,
                            PoolingStrategy::None}) {
    EXPECT_EQ(parse_pooling_strategy(to_string(s)), s);
  }
  try {
    parse_pooling_strategy("AVERAGE");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("AVERAGE"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("REDUCE_MEAN"), std::string::npos);
  }
}

TEST(Pooling, L2NormalizeGivesUnitRowsAndLeavesZeroRows) {
  RowMatrix m(2, 2);
  m << 3, 4, 0, 0;
  l2_normalize_rows(m);
  EXPECT_FLOAT_EQ(m(0, 0), 0.6f);
  EXPECT_FLOAT_EQ(m(0, 1), 0.8f);
  EXPECT_FLOAT_EQ(m(1, 0), 0.0f);
}

}  // namespace
}  // namespace bertcpp
