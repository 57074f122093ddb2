// The tiny keras-bert TensorFlow checkpoint (from ../shared, third-party, not in the repo)
// against Hugging Face on the same weights: hidden states, pooler, MLM and NSP logits.
#include <bertcpp/detail/heads/heads.h>

#include "model/reference.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

namespace bertcpp {
namespace {

constexpr float kTolerance = 1e-4f;

TEST(TfCheckpointReference, EveryOutputMatchesHuggingFace) {
  const std::string dir = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint";
  if (!std::filesystem::exists(dir + "/bert_model.ckpt.index")) GTEST_SKIP() << dir << " is absent";
  const BertConfig config = load_config(dir);
  ASSERT_EQ(config.hidden_act, Activation::Gelu);
  const BertModel model(config, std::make_shared<const BertWeights>(BertWeights::from_tensors(
                                    to_canonical_names(load_tf_checkpoint(dir + "/bert_model.ckpt")), config)));
  ASSERT_TRUE(model.has_mlm_head());
  ASSERT_TRUE(model.has_nsp_head());

  const SafetensorsFile ref(testing::kReferenceDir + "/keras_bert_tf_checkpoint_reference.safetensors");
  const std::vector<int32_t> ids = testing::ints(ref, "input_ids"), mask = testing::ints(ref, "attention_mask"),
                             types = testing::ints(ref, "token_type_ids");
  const int64_t B = 2, L = 10, H = 4, V = 15;
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), types.data(), B, L);
  ForwardOptions options;
  options.output_hidden_states = true;
  options.compute_pooler = true;
  const ForwardOutput out = model.forward(batch, options);
  ASSERT_EQ(out.hidden_states.size(), 3u);

  const std::vector<float> hidden = testing::floats(ref, "hidden_states");
  const std::vector<float> logits = testing::floats(ref, "prediction_logits");
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < static_cast<int64_t>(batch.num_tokens()); ++r) rows.push_back(r);
  const RowMatrix mlm = mlm_logits(model, out.hidden_states.back(), rows);
  float worst_hidden = 0, worst_mlm = 0;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t row = batch.offsets[b]; row < batch.offsets[b + 1]; ++row) {
      const int64_t t = batch.positions[row];
      for (size_t layer = 0; layer < 3; ++layer) {
        const float* e = hidden.data() + ((static_cast<int64_t>(layer) * B + b) * L + t) * H;
        worst_hidden = std::max(worst_hidden, testing::row_max_diff(out.hidden_states[layer], row, e));
      }
      worst_mlm = std::max(worst_mlm, testing::row_max_diff(mlm, row, logits.data() + (b * L + t) * V));
    }
  }
  const float worst_pooler = testing::max_diff(out.pooler_output, testing::floats(ref, "pooler_output"));
  const float worst_nsp =
      testing::max_diff(nsp_logits(model, out.pooler_output), testing::floats(ref, "seq_relationship_logits"));
  std::printf("tf hidden_states %.3g pooler %.3g prediction_logits %.3g nsp %.3g\n", worst_hidden, worst_pooler,
              worst_mlm, worst_nsp);
  EXPECT_LT(worst_hidden, kTolerance);
  EXPECT_LT(worst_pooler, kTolerance);
  EXPECT_LT(worst_mlm, kTolerance);
  EXPECT_LT(worst_nsp, kTolerance);

  // The same through BertModel::load, which finds the checkpoint in the directory.
  const BertModel loaded = BertModel::load(dir);
  EXPECT_LT(testing::max_diff(loaded.forward(batch).hidden_states.back(), out.hidden_states.back()), 1e-6f);
}

}  // namespace
}  // namespace bertcpp
