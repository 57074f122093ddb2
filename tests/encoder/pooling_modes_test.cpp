// sentence-transformers pooling modes the shared folders do not use (mean_sqrt_len,
// weightedmean, lasttoken, all six concatenated, include_prompt = false), each through a
// folder's 1_Pooling/config.json, against numpy's ST math on Hugging Face's hidden states
// (tests/data/pooling/make_st_pooling_reference.py).
#include "encoder/st_folder.h"
#include "model/reference.h"

#include <bertcpp/encoder.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bertcpp {
namespace {

constexpr float kTolerance = 1e-4f;

struct PoolingReference {
  SafetensorsFile file{std::string(BERTCPP_TEST_DATA) + "/pooling/st_pooling_reference.safetensors"};
  nlohmann::json meta = nlohmann::json::parse(file.metadata().at("json"));
  std::vector<TextInput> texts(const char* key = "texts") const {
    std::vector<TextInput> out;
    for (const auto& t : meta[key]) out.push_back({t.get<std::string>(), std::nullopt});
    return out;
  }
};

const PoolingReference& reference() {
  static const PoolingReference ref;
  return ref;
}

RowMatrix encode_with(const testing::StFolder& folder, const std::vector<TextInput>& texts, EncoderOptions options = {}) {
  options.model_dir = folder.path();
  return Encoder(options).encode(texts);
}

TEST(StPoolingModes, EachModeMatchesSentenceTransformersMath) {
  for (const auto& [mode, tensor] : std::vector<std::pair<std::string, std::string>>{
           {"mean_sqrt_len_tokens", "mean_sqrt_len"}, {"weightedmean_tokens", "weightedmean"}, {"lasttoken", "lasttoken"}}) {
    const testing::StFolder folder({mode});
    const RowMatrix v = encode_with(folder, reference().texts());
    ASSERT_EQ(v.cols(), 256) << mode;
    EXPECT_LT(testing::max_diff(v, testing::floats(reference().file, tensor)), kTolerance) << mode;
  }
}

TEST(StPoolingModes, SeveralModesConcatenateInSentenceTransformersOrder) {
  // Listed in another order on purpose: ST's order (cls, max, mean, mean_sqrt_len,
  // weightedmean, lasttoken) is the one that counts.
  const testing::StFolder folder({"lasttoken", "mean_tokens", "cls_token", "weightedmean_tokens", "max_tokens",
                                  "mean_sqrt_len_tokens"});
  EncoderOptions options;
  options.model_dir = folder.path();
  const Encoder encoder(options);
  EXPECT_EQ(encoder.dim(), 6u * 256u);
  EXPECT_EQ(encoder.output_row_shape(0), std::vector<size_t>{6u * 256u});
  EXPECT_EQ(encoder.describe(),
            "sentence-transformers: Transformer(max_seq_length=512) -> "
            "Pooling(cls_token+max_tokens+mean_tokens+mean_sqrt_len_tokens+weightedmean_tokens+lasttoken)");
  EXPECT_LT(testing::max_diff(encoder.encode(reference().texts()), testing::floats(reference().file, "all_modes")), kTolerance);
}

TEST(StPoolingModes, IncludePromptFalseLeavesThePromptsTokensOut) {
  EncoderOptions options;
  options.prompt = reference().meta["prompt"].get<std::string>();
  const std::vector<TextInput> texts = reference().texts("prompt_texts");
  {
    const testing::StFolder folder({"mean_tokens"}, /*include_prompt=*/false);
    EXPECT_LT(testing::max_diff(encode_with(folder, texts, options),
                                testing::floats(reference().file, "mean_excluding_prompt")),
              kTolerance);
  }
  {
    const testing::StFolder folder({"weightedmean_tokens"}, /*include_prompt=*/false);
    EXPECT_LT(testing::max_diff(encode_with(folder, texts, options),
                                testing::floats(reference().file, "weightedmean_excluding_prompt")),
              kTolerance);
  }
  // With include_prompt (the default) the prompt's tokens count: not the excluded mean.
  const testing::StFolder folder({"mean_tokens"});
  EXPECT_GT(testing::max_diff(encode_with(folder, texts, options), testing::floats(reference().file, "mean_excluding_prompt")),
            1e-3f);
}

TEST(StPoolingModes, SentenceBertConfigDoLowerCaseLowerCasesForACasedTokenizer) {
  const testing::StFolder folder({"mean_tokens"});
  folder.write("tokenizer_config.json", R"({"do_lower_case": false})");
  const std::vector<TextInput> upper = {{"HELLO World, Café", std::nullopt}};
  const std::vector<TextInput> lower = {{"hello world, café", std::nullopt}};
  EncoderOptions options;
  options.model_dir = folder.path();
  EXPECT_EQ(Encoder(options).tokenize(upper)[0].tokens[1], "[UNK]");  // cased: HELLO is not in the vocab
  folder.write("sentence_bert_config.json", R"({"max_seq_length": 32, "do_lower_case": true})");
  const Encoder lowering(options);
  EXPECT_EQ(lowering.tokenize(upper)[0].ids, lowering.tokenize(lower)[0].ids);
  EXPECT_EQ(lowering.tokenize(upper)[0].tokens[1], "hello");
  EXPECT_EQ(lowering.max_tokens(), 32u);
}

TEST(StPoolingModes, PoolingTableGivesEveryWidth) {
  EXPECT_EQ(pooled_row_shape({PoolingStrategy::ReduceMeanMax}, 256, 2, 0), std::vector<size_t>{1024});
  EXPECT_EQ(pooled_row_shape({PoolingStrategy::ClsPooled}, 256, 2, 0), std::vector<size_t>{256});
  EXPECT_EQ(pooled_row_shape({PoolingStrategy::None}, 256, 2, 16), (std::vector<size_t>{16, 512}));
  EXPECT_EQ(pooled_row_shape({PoolingStrategy::FirstToken, PoolingStrategy::ReduceMean}, 256, 1, 0),
            std::vector<size_t>{512});
  EXPECT_THROW(pooled_row_shape({PoolingStrategy::None, PoolingStrategy::ReduceMean}, 256, 1, 0), std::invalid_argument);
  EXPECT_THROW(pooled_row_shape({}, 256, 1, 0), std::invalid_argument);
  EXPECT_FALSE(needs_every_token({PoolingStrategy::FirstToken}));
  EXPECT_TRUE(needs_every_token({PoolingStrategy::FirstToken, PoolingStrategy::LastToken}));
  EXPECT_EQ(parse_pooling_strategy("weightedmean"), PoolingStrategy::WeightedMean);
  EXPECT_EQ(parse_pooling_strategy("mean_sqrt_len_tokens"), PoolingStrategy::MeanSqrtLen);
  EXPECT_EQ(parse_pooling_strategy("cls"), PoolingStrategy::FirstToken);
  EXPECT_EQ(parse_pooling_strategy("lasttoken"), PoolingStrategy::LastToken);
  EXPECT_EQ(parse_pooling_strategy("mean"), PoolingStrategy::ReduceMean);
}

}  // namespace
}  // namespace bertcpp
