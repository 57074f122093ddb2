// What the bfloat16 and int8 tests check alike: the bundled model loaded in a precision, its
// fill-mask answers against Hugging Face's, and the Encoder option that loads it.
#pragma once

#include "model/reference.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/heads/heads.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

namespace bertcpp::testing {

// The bundled model with its layers' products in `precision`, loaded once per precision.
inline std::shared_ptr<const BertModel> bundled_model_in(Precision precision) {
  static std::map<Precision, std::shared_ptr<const BertModel>> models;
  auto& m = models[precision];
  if (!m) {
    const BertConfig config = load_config(kModelDir);
    m = std::make_shared<const BertModel>(
        config, std::make_shared<const BertWeights>(BertWeights::from_tensors(bundled_tensors(), config, precision)));
  }
  return m;
}

// The top fill-mask answer for each of the reference's masked texts is transformers'.
inline void expect_fill_mask_top1(const BertModel& model) {
  const SafetensorsFile ref(kReferenceDir + "/mini_reference_public.safetensors");
  const nlohmann::json meta = nlohmann::json::parse(ref.metadata().at("json"));
  const Tokenizer tokenizer(kModelDir + "/vocab.txt");
  for (size_t i = 0; i < meta["masked"].size(); ++i) {
    const std::string text = meta["masked"][i];
    const auto predictions = fill_mask(model, tokenizer, text, 1);
    ASSERT_EQ(predictions.size(), 1u) << text;
    EXPECT_EQ(predictions[0][0].token, meta["mask_top5"][i][0].get<std::string>()) << text;
  }
}

// EncoderOptions::precision loads the layers in `precision`: vectors not float32's bits, yet
// above `min_cosine` to them.
inline void expect_encoder_loads(Precision precision, double min_cosine) {
  EncoderOptions options;
  options.model_dir = kModelDir;
  const Encoder exact(options);
  options.precision = precision;
  const Encoder fast(options);
  EXPECT_EQ(fast.model().weights().layers[0].intermediate.precision(), precision);
  const std::vector<TextInput> texts = {{"I love data science"}, {"We went to the bank to fish"}};
  const RowMatrix a = exact.encode(texts), b = fast.encode(texts);
  EXPECT_GT(max_diff(a, b), 0.0f);  // not float32 in disguise
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    EXPECT_GT(double{a.row(r).dot(b.row(r))} / (double{a.row(r).norm()} * double{b.row(r).norm()}), min_cosine)
        << "text " << r;
  }
}

}  // namespace bertcpp::testing
