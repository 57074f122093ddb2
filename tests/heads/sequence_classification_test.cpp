// BertForSequenceClassification folders (../shared/fixtures/sequence_classification, read in
// place, skipped when absent): logits for pairs and single texts against transformers' math,
// scores (softmax / sigmoid), labels from id2label, and rerank's order.
#include "model/reference.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/heads/classifier.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace bertcpp {
namespace {

const std::string kFixtures = std::string(BERTCPP_SHARED_DIR) + "/fixtures/sequence_classification";

struct Folder {
  std::string dir;
  SafetensorsFile reference;
  nlohmann::json inputs;
  explicit Folder(const std::string& name)
      : dir(kFixtures + "/" + name),
        reference(kFixtures + "/" + name + "_reference.safetensors"),
        inputs(nlohmann::json::parse(std::ifstream(kFixtures + "/" + name + "_inputs.json"))) {}
  std::vector<TextInput> pairs() const {
    std::vector<TextInput> out;
    for (const auto& p : inputs["pairs"]) out.push_back({p[0].get<std::string>(), p[1].get<std::string>()});
    return out;
  }
  std::vector<TextInput> singles() const {
    std::vector<TextInput> out;
    for (const auto& t : inputs["singles"]) out.push_back({t.get<std::string>(), std::nullopt});
    return out;
  }
};

bool available(const std::string& name) { return std::filesystem::exists(kFixtures + "/" + name + "/config.json"); }

Encoder load(const std::string& dir) {
  EncoderOptions options;
  options.model_dir = dir;
  return Encoder(options);
}

class Classifier : public ::testing::TestWithParam<std::string> {};

TEST_P(Classifier, LogitsOfPairsAndSinglesMatchTransformers) {
  if (!available(GetParam())) GTEST_SKIP() << "shared fixtures absent";
  const Folder f(GetParam());
  const Encoder encoder = load(f.dir);
  ASSERT_NE(encoder.classifier(), nullptr);
  std::vector<std::string> labels;
  for (const auto& l : f.inputs["labels"]) labels.push_back(l.get<std::string>());
  EXPECT_EQ(encoder.classifier()->labels(), labels);
  const RowMatrix pairs = encoder.predict(f.pairs());
  ASSERT_EQ(static_cast<size_t>(pairs.cols()), labels.size());
  EXPECT_LT(testing::max_diff(pairs, testing::floats(f.reference, "pairs_logits")), 1e-4f);
  EXPECT_LT(testing::max_diff(encoder.predict(f.singles()), testing::floats(f.reference, "singles_logits")), 1e-4f);
}

TEST_P(Classifier, ScoresAreSoftmaxForSeveralLabelsAndSigmoidForOne) {
  if (!available(GetParam())) GTEST_SKIP() << "shared fixtures absent";
  const Folder f(GetParam());
  const Encoder encoder = load(f.dir);
  const std::vector<float> logits = testing::floats(f.reference, "pairs_logits");
  const size_t n = encoder.classifier()->num_labels();
  const RowMatrix scores = encoder.classifier()->scores(encoder.predict(f.pairs()));
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    double denominator = 0;
    for (size_t c = 0; c < n; ++c) denominator += std::exp(static_cast<double>(logits[r * n + c]));
    for (size_t c = 0; c < n; ++c) {
      const double x = logits[r * n + c];
      const double expected = n == 1 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / denominator;
      EXPECT_NEAR(scores(r, static_cast<Eigen::Index>(c)), expected, 1e-5) << r << "," << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, Classifier, ::testing::Values("nli-style", "rerank-style"));

TEST(Rerank, OrdersTheDocumentsOfOneQueryByTheirLogits) {
  if (!available("rerank-style")) GTEST_SKIP() << "shared fixtures absent";
  const Folder f("rerank-style");
  const Encoder encoder = load(f.dir);
  // Pairs 5-8 (indices 4-7) share one query.
  const std::string query = f.inputs["pairs"][4][0].get<std::string>();
  std::vector<std::string> documents;
  for (size_t i = 4; i < 8; ++i) documents.push_back(f.inputs["pairs"][i][1].get<std::string>());
  const std::vector<float> logits = testing::floats(f.reference, "pairs_logits");
  std::vector<size_t> expected = {0, 1, 2, 3};
  std::sort(expected.begin(), expected.end(), [&](size_t a, size_t b) { return logits[4 + a] > logits[4 + b]; });
  const std::vector<RankedDocument> ranked = encoder.rerank(query, documents);
  ASSERT_EQ(ranked.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(ranked[i].index, expected[i]) << i;
    EXPECT_NEAR(ranked[i].score, 1.0 / (1.0 + std::exp(-logits[4 + expected[i]])), 1e-5);
  }
}

TEST(Rerank, ModelsWithoutAClassifierSaySo) {
  const Encoder plain = load(testing::kModelDir);
  EXPECT_EQ(plain.classifier(), nullptr);
  try {
    plain.predict({{"a", std::nullopt}});
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("has no sequence-classification head (classifier.weight)"), std::string::npos);
  }
}

}  // namespace
}  // namespace bertcpp
