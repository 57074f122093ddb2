// Precision::Int8 on the bundled model: the accuracy gate against Hugging Face's float32
// outputs (hidden states, REDUCE_MEAN sentence vectors, fill-mask answers), the invariants of
// float32 (same bits at any thread count and batch grouping), and what int8 refuses. Runs on
// every kernel variant (ctest's `variants` reruns); the bounds hold for each.
#include "model/reduced_precision.h"

#include "kernels/kernels.h"

#include <bertcpp/detail/model/packed_linear.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>

namespace bertcpp {
namespace {

// Measured on this model on every x86 variant: hidden states within 0.19 of transformers'
// (layer 3; float32 is within 4e-6), REDUCE_MEAN cosine min 0.99984, mean 0.99993. The bounds
// leave about 2x margin on the distance from 1, and are tighter than issue 12's gate (min >=
// 0.995, mean >= 0.999).
constexpr float kInt8HiddenBound = 0.4f;
constexpr double kInt8MinCosine = 0.999, kInt8MeanCosine = 0.9998;

std::shared_ptr<const BertModel> int8_model() { return testing::bundled_model_in(Precision::Int8); }

double cosine(const Eigen::RowVectorXf& a, const Eigen::RowVectorXf& b) {
  return double{a.dot(b)} / (double{a.norm()} * double{b.norm()});
}

TEST(Int8Reference, HiddenStatesStayCloseAndSentenceVectorsPointTheSameWay) {
  const SafetensorsFile ref(testing::kReferenceDir + "/mini_reference_public.safetensors");
  const TokenBatch batch = testing::reference_batch();
  const int64_t B = 20, L = 73, H = 256;
  ForwardOptions options;
  options.output_hidden_states = true;
  const ForwardOutput out = int8_model()->forward(batch, options);
  ASSERT_EQ(int8_model()->weights().layers[0].query.precision(), Precision::Int8);

  const std::vector<float> expected = testing::floats(ref, "hidden_states");
  for (size_t layer = 1; layer < 5; ++layer) {
    float worst = 0.0f;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t row = batch.offsets[b]; row < batch.offsets[b + 1]; ++row) {
        const float* e = expected.data() + ((static_cast<int64_t>(layer) * B + b) * L + batch.positions[row]) * H;
        worst = std::max(worst, testing::row_max_diff(out.hidden_states[layer], row, e));
      }
    }
    std::printf("int8 hidden_states[%zu] max |diff| %.3g\n", layer, worst);
    EXPECT_LT(worst, kInt8HiddenBound) << "layer " << layer;
  }

  // bert-as-service's default vector: the mean of layer -2 over each text's tokens; and the
  // mean of the last layer (sentence-transformers' default).
  {
    const char* name = "reduce_mean_layer-2";
    const size_t layer = 3;
    const std::vector<float> means = testing::floats(ref, name);
    double worst = 1.0, sum = 0.0;
    for (int64_t b = 0; b < B; ++b) {
      const Eigen::RowVectorXf ours =
          out.hidden_states[layer].middleRows(batch.offsets[b], batch.length(static_cast<size_t>(b))).colwise().mean();
      const double c = cosine(ours, Eigen::Map<const Eigen::RowVectorXf>(means.data() + b * H, H));
      worst = std::min(worst, c);
      sum += c;
    }
    std::printf("int8 REDUCE_MEAN %s: cosine to float32 min %.6f mean %.6f\n", name, worst, sum / B);
    EXPECT_GT(worst, kInt8MinCosine);
    EXPECT_GT(sum / B, kInt8MeanCosine);
  }
}

TEST(Int8Reference, FillMaskGivesHuggingFacesFirstAnswer) { testing::expect_fill_mask_top1(*int8_model()); }

// Each row is quantized on its own and each output element summed exactly, so int8 keeps
// float32's invariant: the same bits at any thread count and whatever shares the batch.
TEST(Int8, ThreadCountAndBatchGroupingDoNotChangeABit) {
  const TokenBatch batch = testing::reference_batch();
  ForwardOptions one;
  one.threads = 1;
  const RowMatrix a = int8_model()->forward(batch, one).hidden_states.back();
  for (int threads : {1, 2, 3}) {
    ForwardOptions more = one;
    more.threads = threads;
    EXPECT_EQ(testing::max_diff(a, int8_model()->forward(batch, more).hidden_states.back()), 0.0f) << threads;
    for (size_t s : {size_t{0}, size_t{7}}) {
      const RowMatrix alone = int8_model()->forward(testing::single(batch, s), more).hidden_states.back();
      EXPECT_EQ(testing::max_diff(alone, RowMatrix(a.middleRows(batch.offsets[s], alone.rows()))), 0.0f)
          << "sequence " << s << " on its own, " << threads << " threads";
    }
  }
}

TEST(Int8, EncoderOptionLoadsTheModelInInt8) { testing::expect_encoder_loads(Precision::Int8, kInt8MinCosine); }

TEST(Int8, WeightsReadBackAsQuantizedAndImpossibleSumsAreRefused) {
  const std::vector<float> w = {1.0f, -0.5f, 0.25f, 0.0f, 2.0f, -2.0f};  // [2, 3]
  const PackedLinear linear(w.data(), nullptr, 2, 3, Precision::Int8);
  EXPECT_FLOAT_EQ(linear.weight(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(linear.weight(0, 1), -64.0f / 127.0f);  // -63.5 steps of 1/127, rounded away from zero
  EXPECT_FLOAT_EQ(linear.weight(1, 2), -2.0f);
  EXPECT_EQ(parse_precision("int8"), Precision::Int8);
  EXPECT_STREQ(precision_name(Precision::Int8), "int8");
  EXPECT_THROW(parse_precision("int4"), std::invalid_argument);
  // More inputs than an int32 sum of int8 products holds exactly.
  const int64_t in = kernels::kMaxS8Inputs + 1;
  const std::vector<float> wide(static_cast<size_t>(in), 1.0f);
  try {
    PackedLinear(wide.data(), nullptr, 1, in, Precision::Int8);
    FAIL() << "accepted " << in << " inputs";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("int8"), std::string::npos) << e.what();
  }
}

// float_layers keeps chosen layers in float32 (the outlier fallback): all of them is float32's
// bits exactly; one of them makes that layer's output float32's and leaves the rest int8.
TEST(Int8, FloatLayersRunInFloat32) {
  const TokenBatch batch = testing::reference_batch();
  const BertConfig config = load_config(testing::kModelDir);
  const int L = config.num_hidden_layers;
  ForwardOptions all_states;
  all_states.output_hidden_states = true;
  const std::vector<RowMatrix> exact = testing::bundled_model()->forward(batch, all_states).hidden_states;
  auto int8_with = [&](const std::vector<int>& float_layers) {
    const BertModel m(config, std::make_shared<const BertWeights>(BertWeights::from_tensors(
                                  testing::bundled_tensors(), config, Precision::Int8, float_layers)));
    return m.forward(batch, all_states).hidden_states;
  };
  std::vector<int> every(static_cast<size_t>(L));
  for (int i = 0; i < L; ++i) every[static_cast<size_t>(i)] = i - L;  // negative: from the last
  const std::vector<RowMatrix> all_float = int8_with(every);
  for (int i = 0; i <= L; ++i) EXPECT_EQ(testing::max_diff(all_float[static_cast<size_t>(i)], exact[static_cast<size_t>(i)]), 0.0f) << i;
  const std::vector<RowMatrix> first_float = int8_with({0});
  EXPECT_EQ(testing::max_diff(first_float[1], exact[1]), 0.0f);
  EXPECT_GT(testing::max_diff(first_float[2], exact[2]), 0.0f);  // layer 1 is int8

  for (int bad : {L, -L - 1}) {
    try {
      int8_with({bad});
      FAIL() << "accepted layer " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("float_layers: layer " + std::to_string(bad)), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace bertcpp
