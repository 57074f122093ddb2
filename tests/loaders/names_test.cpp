#include <bertcpp/detail/loaders/names.h>

#include <gtest/gtest.h>

#include "loaders/loader_test_support.h"

#include <memory>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

Tensor make_tensor(std::vector<int64_t> shape, std::vector<float> values, const std::string& source = "file") {
  auto buffer = std::make_shared<std::vector<float>>(std::move(values));
  Tensor t;
  t.shape = std::move(shape);
  t.data = buffer->data();
  t.owner = buffer;
  t.source = source;
  return t;
}

TEST(Names, HuggingFaceNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bert.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"},
      {"embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"},
      {"bert.encoder.layer.11.attention.self.query.weight", "encoder.layer.11.attention.self.query.weight"},
      {"bert.encoder.layer.0.attention.output.LayerNorm.gamma", "encoder.layer.0.attention.output.LayerNorm.weight"},
      {"bert.embeddings.LayerNorm.beta", "embeddings.LayerNorm.bias"},
      {"bert.pooler.dense.bias", "pooler.dense.bias"},
      {"cls.predictions.transform.LayerNorm.gamma", "cls.predictions.transform.LayerNorm.weight"},
      {"cls.predictions.decoder.weight", "cls.predictions.decoder.weight"},
      {"cls.predictions.bias", "cls.predictions.bias"},
      {"cls.seq_relationship.weight", "cls.seq_relationship.weight"},
      {"classifier.weight", "classifier.weight"},  // unknown: kept
      {"bertlike.gamma", "bertlike.gamma"},       // only LayerNorm's gamma is renamed
  };
  for (const auto& [in, expected] : cases) {
    const CanonicalName c = canonical_name(in);
    EXPECT_EQ(c.name, expected) << in;
    EXPECT_FALSE(c.transpose) << in;
  }
}

TEST(Names, TensorFlowNames) {
  struct Case {
    std::string tf, canonical;
    bool transpose;
  };
  const std::vector<Case> cases = {
      {"bert/embeddings/word_embeddings", "embeddings.word_embeddings.weight", false},
      {"bert/embeddings/position_embeddings", "embeddings.position_embeddings.weight", false},
      {"bert/embeddings/token_type_embeddings", "embeddings.token_type_embeddings.weight", false},
      {"bert/embeddings/LayerNorm/gamma", "embeddings.LayerNorm.weight", false},
      {"bert/embeddings/LayerNorm/beta", "embeddings.LayerNorm.bias", false},
      {"bert/encoder/layer_0/attention/self/query/kernel", "encoder.layer.0.attention.self.query.weight", true},
      {"bert/encoder/layer_0/attention/self/query/bias", "encoder.layer.0.attention.self.query.bias", false},
      {"bert/encoder/layer_10/attention/output/dense/kernel", "encoder.layer.10.attention.output.dense.weight", true},
      {"bert/encoder/layer_1/attention/output/LayerNorm/gamma", "encoder.layer.1.attention.output.LayerNorm.weight", false},
      {"bert/encoder/layer_1/intermediate/dense/kernel", "encoder.layer.1.intermediate.dense.weight", true},
      {"bert/encoder/layer_1/output/dense/bias", "encoder.layer.1.output.dense.bias", false},
      {"bert/encoder/layer_1/output/LayerNorm/beta", "encoder.layer.1.output.LayerNorm.bias", false},
      {"bert/pooler/dense/kernel", "pooler.dense.weight", true},
      {"cls/predictions/transform/dense/kernel", "cls.predictions.transform.dense.weight", true},
      {"cls/predictions/transform/LayerNorm/gamma", "cls.predictions.transform.LayerNorm.weight", false},
      {"cls/predictions/output_bias", "cls.predictions.bias", false},
      {"cls/seq_relationship/output_weights", "cls.seq_relationship.weight", false},
      {"cls/seq_relationship/output_bias", "cls.seq_relationship.bias", false},
  };
  for (const Case& c : cases) {
    const CanonicalName got = canonical_name(c.tf);
    EXPECT_EQ(got.name, c.canonical) << c.tf;
    EXPECT_EQ(got.transpose, c.transpose) << c.tf;
  }
}

TEST(Names, KernelsAreTransposedToOutIn) {
  TensorMap tf;
  // TF kernel [in=2, out=3]: row r holds the weights from input r.
  tf.emplace("bert/pooler/dense/kernel", make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}, "ckpt"));
  tf.emplace("cls/seq_relationship/output_weights", make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  const TensorMap out = to_canonical_names(std::move(tf));
  const Tensor& w = out.at("pooler.dense.weight");
  EXPECT_EQ(w.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(std::vector<float>(w.data, w.data + 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(w.source, "ckpt");
  const Tensor& nsp = out.at("cls.seq_relationship.weight");
  EXPECT_EQ(nsp.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::vector<float>(nsp.data, nsp.data + 6), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Names, HuggingFaceTensorsAreNotCopied) {
  TensorMap hf;
  hf.emplace("bert.pooler.dense.weight", make_tensor({2, 2}, {1, 2, 3, 4}));
  const float* before = hf.at("bert.pooler.dense.weight").data;
  const TensorMap out = to_canonical_names(std::move(hf));
  EXPECT_EQ(out.at("pooler.dense.weight").data, before);
}

TEST(Names, DecoderBiasStandsInForAMissingPredictionsBias) {
  TensorMap only_decoder;
  only_decoder.emplace("cls.predictions.decoder.bias", make_tensor({2}, {1, 2}));
  const TensorMap a = to_canonical_names(std::move(only_decoder));
  EXPECT_EQ(a.count("cls.predictions.decoder.bias"), 0u);
  EXPECT_EQ(a.at("cls.predictions.bias").data[1], 2.0f);

  TensorMap both;
  both.emplace("cls.predictions.decoder.bias", make_tensor({2}, {1, 2}));
  both.emplace("cls.predictions.bias", make_tensor({2}, {5, 6}));
  const TensorMap b = to_canonical_names(std::move(both));
  EXPECT_EQ(b.at("cls.predictions.bias").data[0], 5.0f);
}

TEST(Names, TwoTensorsForOneNameIsAnError) {
  TensorMap clash;
  clash.emplace("bert.pooler.dense.weight", make_tensor({1}, {1}, "model.safetensors"));
  clash.emplace("pooler.dense.weight", make_tensor({1}, {2}, "model.safetensors"));
  testing::expect_runtime_error([&] { to_canonical_names(std::move(clash)); },
                                {"bert.pooler.dense.weight", "\"pooler.dense.weight\"", "model.safetensors"});
}

}  // namespace
}  // namespace bertcpp
