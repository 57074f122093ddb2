// fill_mask and next_sentence_probability on text, against Hugging Face's answers for the
// bundled model (reference metadata: mask_top5, nsp_prob_isnext).
#include "model/reference.h"

#include <bertcpp/detail/heads/heads.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace bertcpp {
namespace {

nlohmann::json reference_metadata() {
  const SafetensorsFile ref(testing::kReferenceDir + "/mini_reference_public.safetensors");
  return nlohmann::json::parse(ref.metadata().at("json"));
}

const Tokenizer& uncased_tokenizer() {
  static const Tokenizer tokenizer(testing::kModelDir + "/vocab.txt");
  return tokenizer;
}

TEST(Heads, FillMaskGivesHuggingFacesTopFiveWithProbabilities) {
  const nlohmann::json meta = reference_metadata();
  for (size_t i = 0; i < meta["masked"].size(); ++i) {
    const std::string text = meta["masked"][i];
    const auto predictions = fill_mask(*testing::bundled_model(), uncased_tokenizer(), text, 5);
    ASSERT_EQ(predictions.size(), 1u) << text;
    ASSERT_EQ(predictions[0].size(), 5u);
    float previous = 1.0f;
    for (size_t k = 0; k < 5; ++k) {
      EXPECT_EQ(predictions[0][k].token, meta["mask_top5"][i][k].get<std::string>()) << text << " rank " << k;
      EXPECT_EQ(uncased_tokenizer().vocab().token(predictions[0][k].id), predictions[0][k].token);
      EXPECT_GT(predictions[0][k].probability, 0.0f);
      EXPECT_LE(predictions[0][k].probability, previous);
      previous = predictions[0][k].probability;
    }
  }
}

TEST(Heads, FillMaskHandlesSeveralMasksAndRejectsNone) {
  const auto two = fill_mask(*testing::bundled_model(), uncased_tokenizer(), "The [MASK] went to the [MASK].", 3);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_THROW(fill_mask(*testing::bundled_model(), uncased_tokenizer(), "No mask here.", 3), std::invalid_argument);
}

TEST(Heads, NextSentenceProbabilityMatchesHuggingFace) {
  const nlohmann::json meta = reference_metadata();
  for (size_t i = 0; i < meta["pairs"].size(); ++i) {
    const float p = next_sentence_probability(*testing::bundled_model(), uncased_tokenizer(),
                                              meta["pairs"][i][0].get<std::string>(),
                                              meta["pairs"][i][1].get<std::string>());
    EXPECT_NEAR(p, meta["nsp_prob_isnext"][i].get<float>(), 1e-5) << "pair " << i;
  }
}

TEST(Heads, MissingHeadsAreRuntimeErrors) {
  const BertModel& full = *testing::bundled_model();
  TensorMap tensors = testing::bundled_tensors();
  for (auto it = tensors.begin(); it != tensors.end();) {
    it = it->first.rfind("cls.", 0) == 0 ? tensors.erase(it) : std::next(it);
  }
  const BertModel bare(full.config(), std::make_shared<const BertWeights>(
                                          BertWeights::from_tensors(std::move(tensors), full.config())));
  EXPECT_THROW(fill_mask(bare, uncased_tokenizer(), "a [MASK] b"), std::runtime_error);
  EXPECT_THROW(next_sentence_probability(bare, uncased_tokenizer(), "a", "b"), std::runtime_error);
}

}  // namespace
}  // namespace bertcpp
