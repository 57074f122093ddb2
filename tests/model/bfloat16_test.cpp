// Precision::BFloat16 on the bundled model against Hugging Face's float32 outputs: not exact by
// design (inputs of every product rounded to 8 mantissa bits), so the bounds are what a user
// relies on: hidden states close, sentence vectors pointing the same way, the same fill-mask
// answers. Runs on every kernel variant: in hardware with AVX512_BF16, else with bfloat16 weights
// widened to float32 in the kernel (x not rounded: closer still).
#include "model/reduced_precision.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace bertcpp {
namespace {

class BFloat16Reference : public ::testing::Test {
 protected:
  static std::shared_ptr<const BertModel> model() { return testing::bundled_model_in(Precision::BFloat16); }
  SafetensorsFile ref{testing::kReferenceDir + "/mini_reference_public.safetensors"};
};

TEST_F(BFloat16Reference, HiddenStatesStayCloseAndSentenceVectorsPointTheSameWay) {
  const std::vector<int32_t> ids = testing::ints(ref, "input_ids"), mask = testing::ints(ref, "attention_mask"),
                             types = testing::ints(ref, "token_type_ids");
  const int64_t B = 20, L = 73, H = 256;
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), types.data(), B, L);
  ForwardOptions options;
  options.output_hidden_states = true;
  const ForwardOutput out = model()->forward(batch, options);

  const std::vector<float> expected = testing::floats(ref, "hidden_states");
  for (size_t layer = 1; layer < 5; ++layer) {
    float worst = 0.0f;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t row = batch.offsets[b]; row < batch.offsets[b + 1]; ++row) {
        const float* e = expected.data() + ((static_cast<int64_t>(layer) * B + b) * L + batch.positions[row]) * H;
        worst = std::max(worst, testing::row_max_diff(out.hidden_states[layer], row, e));
      }
    }
    std::printf("bfloat16 hidden_states[%zu] max |diff| %.3g\n", layer, worst);
    EXPECT_LT(worst, 0.05f) << "layer " << layer;  // measured 0.009-0.014; float32 is within 4e-6
  }

  // bert-as-service's default vector: the mean of layer -2 over each text's tokens.
  const std::vector<float> means = testing::floats(ref, "reduce_mean_layer-2");
  double worst_cosine = 1.0;
  for (int64_t b = 0; b < B; ++b) {
    const Eigen::RowVectorXf ours =
        out.hidden_states[3].middleRows(batch.offsets[b], batch.length(static_cast<size_t>(b))).colwise().mean();
    const Eigen::Map<const Eigen::RowVectorXf> theirs(means.data() + b * H, H);
    worst_cosine = std::min(worst_cosine, double{ours.dot(theirs) / (ours.norm() * theirs.norm())});
  }
  std::printf("bfloat16 REDUCE_MEAN layer -2: worst cosine similarity to float32 %.6f\n", worst_cosine);
  EXPECT_GT(worst_cosine, 0.9999);  // measured 0.999998
}

TEST_F(BFloat16Reference, FillMaskGivesHuggingFacesFirstAnswer) { testing::expect_fill_mask_top1(*model()); }

TEST(BFloat16, EncoderOptionLoadsTheModelInBFloat16) { testing::expect_encoder_loads(Precision::BFloat16, 0.999); }

}  // namespace
}  // namespace bertcpp
