// Pooling against the Hugging Face reference vectors (masked mean/max, token 0) of layers -1, -2.
#include "model/reference.h"

#include <bertcpp/pooling/pooling.h>
#include <bertcpp/detail/model/bert_model.h>

#include <gtest/gtest.h>

#include <cstdio>

namespace bertcpp {
namespace {

constexpr float kTolerance = 1e-4f;

TEST(PoolingReference, ReduceMeanMaxAndClsOfTheLastTwoLayersMatch) {
  const SafetensorsFile ref(testing::kReferenceDir + "/mini_reference_public.safetensors");
  const std::vector<int32_t> ids = testing::ints(ref, "input_ids"), mask = testing::ints(ref, "attention_mask"),
                             types = testing::ints(ref, "token_type_ids");
  const TokenBatch batch = TokenBatch::from_padded(ids.data(), mask.data(), types.data(), 20, 73);
  ForwardOptions options;
  options.output_hidden_states = true;
  const ForwardOutput out = testing::bundled_model()->forward(batch, options);
  const std::pair<const char*, PoolingStrategy> kinds[] = {{"reduce_mean", PoolingStrategy::ReduceMean},
                                                           {"reduce_max", PoolingStrategy::ReduceMax},
                                                           {"cls_token", PoolingStrategy::FirstToken}};
  for (const auto& [name, strategy] : kinds) {
    for (int layer : {-1, -2}) {
      const RowMatrix& hidden = out.hidden_states[out.hidden_states.size() + layer];
      const std::string tensor = std::string(name) + "_layer" + std::to_string(layer);
      const float worst = testing::max_diff(pool(hidden, batch, strategy), testing::floats(ref, tensor));
      std::printf("%s max |diff| %.3g\n", tensor.c_str(), worst);
      EXPECT_LT(worst, kTolerance) << tensor;
    }
  }
}

}  // namespace
}  // namespace bertcpp
