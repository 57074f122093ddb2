// The Encoder pipeline: HF parity through text, dynamic batching that never changes results,
// input order restored, pooling layouts, progress/cancel, and input errors.
#include "model/reference.h"

#include <bertcpp/encoder.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace bertcpp {
namespace {

constexpr float kReference = 1e-4f;
constexpr float kSame = 1e-5f;

struct Reference {
  SafetensorsFile file{testing::kReferenceDir + "/mini_reference_public.safetensors"};
  nlohmann::json meta = nlohmann::json::parse(file.metadata().at("json"));
  std::vector<TextInput> texts() const {
    std::vector<TextInput> out;
    for (const auto& t : meta["texts"]) out.push_back({t.get<std::string>(), std::nullopt});
    return out;
  }
};

const Reference& reference() {
  static const Reference ref;
  return ref;
}

Encoder make_encoder(EncoderOptions options = {}) {
  static auto tokenizer = std::make_shared<const Tokenizer>(testing::kModelDir + "/vocab.txt");
  return Encoder(testing::bundled_model(), tokenizer, std::move(options));
}

TEST(Encoder, TokenizesTheReferenceTextsToHuggingFacesIds) {
  const std::vector<Encoding> encodings = make_encoder().tokenize(reference().texts());
  const std::vector<int32_t> ids = testing::ints(reference().file, "input_ids");
  const std::vector<int32_t> mask = testing::ints(reference().file, "attention_mask");
  ASSERT_EQ(encodings.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    std::vector<int32_t> expected;
    for (size_t t = 0; t < 73; ++t) {
      if (mask[i * 73 + t]) expected.push_back(ids[i * 73 + t]);
    }
    EXPECT_EQ(encodings[i].ids, expected) << reference().meta["texts"][i];
  }
}

TEST(Encoder, DefaultPoolingIsHuggingFacesMeanOfLayerMinusTwo) {
  const RowMatrix v = make_encoder().encode(reference().texts());
  ASSERT_EQ(v.cols(), 256);
  EXPECT_LT(testing::max_diff(v, testing::floats(reference().file, "reduce_mean_layer-2")), kReference);
}

TEST(Encoder, ClsPooledIsThePoolerOutput) {
  EncoderOptions options;
  options.pooling = PoolingStrategy::ClsPooled;
  const RowMatrix v = make_encoder(options).encode(reference().texts());
  EXPECT_LT(testing::max_diff(v, testing::floats(reference().file, "pooler_output")), kReference);
}

TEST(Encoder, SeveralLayersAreConcatenatedInTheOrderGiven) {
  EncoderOptions options;
  options.pooling = PoolingStrategy::ReduceMax;
  options.pooling_layers = std::vector<int>{-1, -2};
  const Encoder encoder = make_encoder(options);
  EXPECT_EQ(encoder.dim(), 512u);
  const RowMatrix v = encoder.encode(reference().texts());
  ASSERT_EQ(v.cols(), 512);
  EXPECT_LT(testing::max_diff(RowMatrix(v.leftCols(256)), testing::floats(reference().file, "reduce_max_layer-1")),
            kReference);
  EXPECT_LT(testing::max_diff(RowMatrix(v.rightCols(256)), testing::floats(reference().file, "reduce_max_layer-2")),
            kReference);
}

TEST(Encoder, BatchingAndThreadsNeverChangeResultsAndOrderIsRestored) {
  std::vector<TextInput> texts = reference().texts();
  std::reverse(texts.begin() + 5, texts.end());  // lengths now out of order
  EncoderOptions base;
  base.batch_size = 1;
  base.threads = 1;
  const RowMatrix one_by_one = make_encoder(base).encode(texts);
  for (size_t batch_size : {3u, 7u, 32u}) {
    for (int threads : {1, 2}) {
      EncoderOptions options;
      options.batch_size = batch_size;
      options.threads = threads;
      const RowMatrix v = make_encoder(options).encode(texts);
      EXPECT_LT(testing::max_diff(v, one_by_one), kSame) << "batch " << batch_size << " threads " << threads;
    }
  }
  // Each row is its own text's vector: encode it alone.
  for (size_t i : {0u, 9u, 19u}) {
    const RowMatrix alone = make_encoder(base).encode({texts[i]});
    EXPECT_LT(testing::max_diff(alone, RowMatrix(one_by_one.row(static_cast<Eigen::Index>(i)))), kSame) << i;
  }
}

TEST(Encoder, NoneGivesZeroPaddedTokenVectors) {
  EncoderOptions options;
  options.pooling = PoolingStrategy::None;
  options.pooling_layers = std::vector<int>{-1};
  const std::vector<TextInput> texts = {{"a b c d e f", std::nullopt}, {"hi", std::nullopt}};
  const Encoder encoder = make_encoder(options);
  const std::vector<Encoding> encodings = encoder.tokenize(texts);
  const RowMatrix v = encoder.encode(texts);
  const auto T = static_cast<Eigen::Index>(encodings[0].size());
  ASSERT_EQ(v.cols(), T * 256);
  const auto short_len = static_cast<Eigen::Index>(encodings[1].size());
  EXPECT_EQ(v.row(1).tail((T - short_len) * 256).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_GT(v.row(1).head(short_len * 256).cwiseAbs().maxCoeff(), 0.0f);
  const ForwardOutput out = testing::bundled_model()->forward(TokenBatch::from_encodings({encodings[1]}));
  EXPECT_LT((v.row(1).head(256) - out.hidden_states.back().row(0)).cwiseAbs().maxCoeff(), kSame);

  options.max_seq_len = 16;
  const RowMatrix fixed = make_encoder(options).encode(texts);
  EXPECT_EQ(fixed.cols(), 16 * 256);
}

TEST(Encoder, NormalizeGivesUnitRows) {
  EncoderOptions options;
  options.normalize = true;
  const RowMatrix v = make_encoder(options).encode(reference().texts());
  for (Eigen::Index r = 0; r < v.rows(); ++r) EXPECT_NEAR(v.row(r).norm(), 1.0f, 1e-5f);
}

TEST(Encoder, ProgressIsReportedPerBatchAndCanCancel) {
  EncoderOptions options;
  options.batch_size = 8;
  std::vector<size_t> seen;
  make_encoder(options).encode(reference().texts(), [&](size_t done, size_t total) {
    EXPECT_EQ(total, 20u);
    seen.push_back(done);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<size_t>{8, 16, 20}));
  EXPECT_THROW(make_encoder(options).encode(reference().texts(), [](size_t, size_t) { return false; }), Cancelled);
}

TEST(Encoder, TruncatesToMaxSeqLen) {
  EncoderOptions options;
  options.max_seq_len = 8;
  const Encoder encoder = make_encoder(options);
  const std::vector<TextInput> text = {{"one two three four five six seven eight nine ten", std::nullopt}};
  EXPECT_EQ(encoder.tokenize(text)[0].size(), 8u);
  EXPECT_EQ(encoder.encode(text).rows(), 1);
}

TEST(Encoder, RejectsEmptyListsTooLongInputsWhenAskedAndBadOptions) {
  EncoderOptions error_mode;
  error_mode.long_text = LongText::Error;
  const Encoder encoder = make_encoder(error_mode);
  EXPECT_THROW(encoder.encode({}), std::invalid_argument);
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  // By default a long text is truncated to the model's limit, as sentence-transformers does.
  const RowMatrix truncated = make_encoder().encode({{long_text, std::nullopt}});
  EncoderOptions at_512;
  at_512.max_seq_len = 512;
  EXPECT_LT(testing::max_diff(truncated, make_encoder(at_512).encode({{long_text, std::nullopt}})), kSame);
  try {
    encoder.encode({{"short", std::nullopt}, {long_text, std::nullopt}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("input 1"), std::string::npos) << what;
    EXPECT_NE(what.find("602"), std::string::npos) << what;
    EXPECT_NE(what.find("512"), std::string::npos) << what;
  }
  EncoderOptions bad_layer;
  bad_layer.pooling_layers = std::vector<int>{-5};
  EXPECT_THROW(make_encoder(bad_layer), std::invalid_argument);
  EncoderOptions bad_len;
  bad_len.max_seq_len = 513;
  EXPECT_THROW(make_encoder(bad_len), std::invalid_argument);
}

TEST(Encoder, StreamsLongListsWithTheSameResultsAndGlobalInputIndices) {
  // More than kStreamTexts inputs: tokenized a slice at a time, ids only.
  std::vector<TextInput> texts;
  const std::vector<TextInput> ref = {{"hi", std::nullopt}, {"the bank", std::nullopt}, {"a", std::string("b")}};
  while (texts.size() < Encoder::kStreamTexts + 300) texts.push_back(ref[texts.size() % ref.size()]);
  EncoderOptions options;
  options.batch_size = 64;
  const Encoder encoder = make_encoder(options);
  const RowMatrix streamed = encoder.encode(texts);
  const RowMatrix whole = encoder.encode_encodings(encoder.tokenize(texts));
  EXPECT_LT(testing::max_diff(streamed, whole), kSame);
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  texts[Encoder::kStreamTexts + 7] = {long_text, std::nullopt};
  EXPECT_LT(testing::max_diff(encoder.encode(texts).topRows(100), whole.topRows(100)), kSame);  // truncated, by default
  options.long_text = LongText::Error;
  try {
    make_encoder(options).encode(texts);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_EQ(e.index(), Encoder::kStreamTexts + 7) << e.what();
  }
}

TEST(Encoder, NormalizeWithNoPoolingScalesEachToken) {
  EncoderOptions options;
  options.pooling = PoolingStrategy::None;
  options.max_seq_len = 12;
  options.normalize = true;
  const RowMatrix v = make_encoder(options).encode({{"hello world", std::nullopt}});
  ASSERT_EQ(v.cols(), 12 * 256);
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(v.row(0).segment(t * 256, 256).norm(), 1.0f, 1e-5f) << t;
  EXPECT_EQ(v.row(0).segment(4 * 256, 256).norm(), 0.0f);  // padding stays zero
}

TEST(Encoder, ThreadCountsOutsideTheLimitsAreRefused) {
  for (int threads : {-5, -1, 1025, 40000}) {
    EncoderOptions options;
    options.threads = threads;
    EXPECT_THROW(make_encoder(options), std::invalid_argument) << threads;
  }
}

TEST(Encoder, DefaultModelDirFollowsTheEnvironment) {
  ::setenv("BERTCPP_MODEL_DIR", "/somewhere/else", 1);
  EXPECT_EQ(default_model_dir(), "/somewhere/else");
  ::unsetenv("BERTCPP_MODEL_DIR");
  EXPECT_NE(default_model_dir().find("bert-mini-uncased"), std::string::npos);
}

TEST(Encoder, LoadsTheBundledModelByDefault) {
  const Encoder encoder;
  EXPECT_EQ(encoder.dim(), 256u);
  const RowMatrix v = encoder.encode(reference().texts());
  EXPECT_LT(testing::max_diff(v, testing::floats(reference().file, "reduce_mean_layer-2")), kReference);
}

}  // namespace
}  // namespace bertcpp
