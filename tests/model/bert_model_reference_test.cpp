// The encoder against Hugging Face transformers on the bundled model: every layer, every
// valid token, the pooler, and the MLM and NSP heads, within 1e-4.
#include <bertcpp/detail/heads/heads.h>

#include "model/reference.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace bertcpp {
namespace {

using testing::bundled_model;
using testing::floats;
using testing::ints;

constexpr float kTolerance = 1e-4f;

class BertModelReference : public ::testing::Test {
 protected:
  SafetensorsFile ref{testing::kReferenceDir + "/mini_reference_public.safetensors"};
  std::shared_ptr<const BertModel> model = bundled_model();
};

TEST_F(BertModelReference, EveryHiddenStateOfEveryLayerMatchesOnValidTokens) {
  const std::vector<int32_t> ids = ints(ref, "input_ids"), mask = ints(ref, "attention_mask"),
                             types = ints(ref, "token_type_ids");
  const int64_t B = 20, L = 73, H = 256;
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), types.data(), B, L);
  ForwardOptions options;
  options.output_hidden_states = true;
  options.compute_pooler = true;
  const ForwardOutput out = model->forward(batch, options);
  ASSERT_EQ(out.hidden_states.size(), 5u);

  const std::vector<float> expected = floats(ref, "hidden_states");
  for (size_t layer = 0; layer < 5; ++layer) {
    float worst = 0.0f;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t row = batch.offsets[b]; row < batch.offsets[b + 1]; ++row) {
        const int64_t t = batch.positions[row];
        const float* e = expected.data() + ((static_cast<int64_t>(layer) * B + b) * L + t) * H;
        worst = std::max(worst, testing::row_max_diff(out.hidden_states[layer], row, e));
      }
    }
    std::printf("hidden_states[%zu] max |diff| %.3g\n", layer, worst);
    EXPECT_LT(worst, kTolerance) << "layer " << layer;
  }
  const float pooler = testing::max_diff(out.pooler_output, floats(ref, "pooler_output"));
  std::printf("pooler_output max |diff| %.3g\n", pooler);
  EXPECT_LT(pooler, kTolerance);
}

TEST_F(BertModelReference, NspLogitsMatch) {
  const std::vector<int32_t> ids = ints(ref, "pair_input_ids"), mask = ints(ref, "pair_attention_mask"),
                             types = ints(ref, "pair_token_type_ids");
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), types.data(), 4, 63);
  ForwardOptions options;
  options.compute_pooler = true;
  const RowMatrix logits = nsp_logits(*model, model->forward(batch, options).pooler_output);
  const float worst = testing::max_diff(logits, floats(ref, "nsp_logits"));
  std::printf("nsp_logits max |diff| %.3g\n", worst);
  EXPECT_LT(worst, kTolerance);
}

TEST_F(BertModelReference, MlmLogitsAtMaskPositionsMatch) {
  const std::vector<int32_t> ids = ints(ref, "mask_input_ids"), mask = ints(ref, "mask_attention_mask"),
                             where = ints(ref, "mask_positions");
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), nullptr, 5, 16);
  const ForwardOutput out = model->forward(batch);
  std::vector<int64_t> rows;
  for (size_t i = 0; i < 5; ++i) {
    const int64_t row = batch.offsets[where[2 * i]] + where[2 * i + 1];
    ASSERT_EQ(batch.positions[row], where[2 * i + 1]) << "padding before a [MASK]";
    rows.push_back(row);
  }
  const RowMatrix logits = mlm_logits(*model, out.hidden_states.back(), rows);
  ASSERT_EQ(logits.cols(), 30522);
  const float worst = testing::max_diff(logits, floats(ref, "mask_logits"));
  std::printf("mask_logits max |diff| %.3g\n", worst);
  EXPECT_LT(worst, kTolerance);
}

}  // namespace
}  // namespace bertcpp
