// sentence-transformers folders give sentence-transformers' embeddings: the shared folders
// (../shared/fixtures/sentence_transformers, read in place, skipped when absent) against the
// outputs recorded with ST's math, tokens and truncation included.
#include "model/reference.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/encoder/modules.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace bertcpp {
namespace {

constexpr float kTolerance = 1e-4f;
const std::string kFixtures = std::string(BERTCPP_SHARED_DIR) + "/fixtures/sentence_transformers";

struct Variant {
  std::string dir;
  SafetensorsFile reference;
  nlohmann::json texts;
  explicit Variant(const std::string& name)
      : dir(kFixtures + "/" + name),
        reference(kFixtures + "/" + name + "_reference.safetensors"),
        texts(nlohmann::json::parse(std::ifstream(kFixtures + "/" + name + "_texts.json"))) {}
  std::vector<TextInput> inputs(size_t count = SIZE_MAX) const {
    std::vector<TextInput> out;
    for (const auto& t : texts["texts"]) {
      if (out.size() == count) break;
      out.push_back({t.get<std::string>(), std::nullopt});
    }
    return out;
  }
  // Row i's ids where the mask is 1.
  std::vector<int32_t> ids(const std::string& ids_name, const std::string& mask_name, size_t i) const {
    const std::vector<int32_t> all = testing::ints(reference, ids_name), mask = testing::ints(reference, mask_name);
    const size_t L = static_cast<size_t>(reference.shape(ids_name)[1]);
    std::vector<int32_t> row;
    for (size_t t = 0; t < L; ++t)
      if (mask[i * L + t]) row.push_back(all[i * L + t]);
    return row;
  }
};

bool available(const std::string& name) { return std::filesystem::exists(kFixtures + "/" + name + "/modules.json"); }

Encoder st_encoder(const std::string& dir, EncoderOptions options = {}) {
  options.model_dir = dir;
  return Encoder(options);
}

class SentenceTransformersFolder : public ::testing::TestWithParam<std::string> {};

TEST_P(SentenceTransformersFolder, DefaultOptionsGiveTheReferenceEmbeddingsAndTokens) {
  if (!available(GetParam())) GTEST_SKIP() << "shared fixtures absent";
  const Variant v(GetParam());
  const Encoder encoder = st_encoder(v.dir);
  const std::vector<TextInput> texts = v.inputs();
  const std::vector<Encoding> encodings = encoder.tokenize(texts);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(encodings[i].ids, v.ids("input_ids", "attention_mask", i)) << i;
  const RowMatrix e = encoder.encode(texts);
  ASSERT_EQ(static_cast<size_t>(e.cols()), v.texts["dimension"].get<size_t>());
  ASSERT_EQ(encoder.dim(), v.texts["dimension"].get<size_t>());
  EXPECT_LT(testing::max_diff(e, testing::floats(v.reference, "embeddings")), kTolerance);
}

TEST_P(SentenceTransformersFolder, ExplicitPoolingReplacesTheChainAndKeepsBertAsServiceMath) {
  if (!available(GetParam())) GTEST_SKIP() << "shared fixtures absent";
  const Variant v(GetParam());
  EncoderOptions options;
  options.pooling = PoolingStrategy::ReduceMean;
  const Encoder explicit_mean = st_encoder(v.dir, options);
  EXPECT_EQ(explicit_mean.pooling_layers(), std::vector<int>{-2});
  EXPECT_FALSE(explicit_mean.applies_sentence_modules());
  EXPECT_EQ(explicit_mean.dim(), 256u);
  // Same model weights as the bundled one: bert-as-service's default from the plain folder.
  EncoderOptions plain;
  plain.model_dir = testing::kModelDir;
  plain.max_seq_len = explicit_mean.max_seq_len();
  const std::vector<TextInput> texts = v.inputs(6);
  EXPECT_LT(testing::max_diff(explicit_mean.encode(texts), Encoder(plain).encode(texts)), 1e-6f);
}

TEST_P(SentenceTransformersFolder, ExplicitNormalizeFalseSkipsTheNormalizeModule) {
  if (!available(GetParam())) GTEST_SKIP() << "shared fixtures absent";
  const Variant v(GetParam());
  EncoderOptions options;
  options.normalize = false;
  const RowMatrix raw = st_encoder(v.dir, options).encode(v.inputs(4));
  RowMatrix normalized = raw;
  l2_normalize_rows(normalized);
  EXPECT_GT((raw.rowwise().norm().array() - 1.0f).abs().maxCoeff(), 1e-3f);
  const std::vector<float> expected = testing::floats(v.reference, "embeddings");
  EXPECT_LT(testing::max_diff(normalized, std::vector<float>(expected.begin(), expected.begin() + 4 * raw.cols())), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Shared, SentenceTransformersFolder, ::testing::Values("minilm-style", "bge-style"));

TEST(SentenceTransformers, PromptNameGivesThePromptedReference) {
  if (!available("bge-style")) GTEST_SKIP() << "shared fixtures absent";
  const Variant v("bge-style");
  EncoderOptions options;
  options.prompt_name = "query";
  const Encoder encoder = st_encoder(v.dir, options);
  EXPECT_EQ(encoder.prompt(), "Represent this sentence for searching relevant passages: ");
  const std::vector<TextInput> texts = v.inputs(5);
  const std::vector<Encoding> encodings = encoder.tokenize(texts);
  for (size_t i = 0; i < texts.size(); ++i)
    EXPECT_EQ(encodings[i].ids, v.ids("input_ids_prompt_query", "attention_mask_prompt_query", i)) << i;
  EXPECT_LT(testing::max_diff(encoder.encode(texts), testing::floats(v.reference, "embeddings_prompt_query")), kTolerance);
  // The same prompt given as text.
  EncoderOptions literal;
  literal.prompt = encoder.prompt();
  EXPECT_LT(testing::max_diff(st_encoder(v.dir, literal).encode(texts), testing::floats(v.reference, "embeddings_prompt_query")),
            kTolerance);
}

TEST(SentenceTransformers, UnknownPromptNameListsTheFoldersPrompts) {
  if (!available("bge-style")) GTEST_SKIP() << "shared fixtures absent";
  EncoderOptions options;
  options.prompt_name = "passage";
  try {
    st_encoder(kFixtures + "/bge-style", options);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"passage\" is not one of the model's prompts (query)"), std::string::npos) << e.what();
  }
}

TEST(SentenceTransformers, AFolderWithoutVocabTxtReadsTokenizerJson) {
  if (!available("minilm-style")) GTEST_SKIP() << "shared fixtures absent";
  const Variant v("minilm-style");
  const std::filesystem::path copy = std::filesystem::path(::testing::TempDir()) / ("bertcpp-st-nojson-" + std::to_string(::getpid()));
  std::filesystem::remove_all(copy);
  std::filesystem::create_directories(copy);
  for (const auto& entry : std::filesystem::directory_iterator(v.dir))
    if (entry.path().filename() != "vocab.txt") std::filesystem::create_symlink(entry.path(), copy / entry.path().filename());
  const RowMatrix e = st_encoder(copy.string()).encode(v.inputs());
  EXPECT_LT(testing::max_diff(e, testing::floats(v.reference, "embeddings")), kTolerance);
  std::filesystem::remove_all(copy);
}

TEST(SentenceTransformers, DescribesTheChain) {
  if (!available("bge-style")) GTEST_SKIP() << "shared fixtures absent";
  EXPECT_EQ(st_encoder(kFixtures + "/bge-style").describe(),
            "sentence-transformers: Transformer(max_seq_length=64) -> Pooling(cls_token) -> Dense(256->128, Tanh) -> Normalize");
  EXPECT_EQ(st_encoder(kFixtures + "/minilm-style").describe(),
            "sentence-transformers: Transformer(max_seq_length=128) -> Pooling(mean_tokens) -> Normalize");
}

// sentence-transformers runs modules.json in the file's order and never reads "idx": a folder
// whose idx disagrees (Normalize listed before Dense, numbered after it) gets ST's vectors.
TEST(SentenceTransformers, ModulesRunInTheFilesOrderNotByIdx) {
  const auto chain = parse_modules_json(R"([
      {"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"},
      {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
      {"idx": 3, "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"},
      {"idx": 2, "path": "2_Dense", "type": "sentence_transformers.models.Dense"}])",
                                        "modules.json");
  std::vector<std::string> paths;
  for (const auto& e : chain) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"", "1_Pooling", "3_Normalize", "2_Dense"}));
}

}  // namespace
}  // namespace bertcpp
