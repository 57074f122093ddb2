#include <bertcpp/quantize_check.h>

#include <bertcpp/cpu.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/token_batch.h>
#include <bertcpp/detail/model/weights.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace bertcpp {

const std::vector<TextInput>& quantize_check_sample() {
  static const std::vector<TextInput> sample = {
      {"The quick brown fox jumps over the lazy dog.", std::nullopt},
      {"I love data science and machine learning.", std::nullopt},
      {"We went to the bank to fish, but the river was frozen.", std::nullopt},
      {"The central bank raised interest rates by a quarter of a point.", std::nullopt},
      {"How do I reset my password if I no longer have access to my email?", std::nullopt},
      {"Paris is the capital of France.", std::nullopt},
      {"The patient was given 5 mg of the drug twice a day for a week.", std::nullopt},
      {"This movie was absolutely terrible; I want my two hours back!", std::nullopt},
      {"Quantized inference trades a little accuracy for a lot of speed.", std::nullopt},
      {"A", std::nullopt},
  };
  return sample;
}

QuantizeReport quantize_check(EncoderOptions options, const std::vector<TextInput>& texts) {
  options.precision = Precision::Float32;
  return quantize_check(Encoder(options), texts);
}

QuantizeReport quantize_check(const Encoder& exact, const std::vector<TextInput>& texts) {
  if (exact.options().precision != Precision::Float32) {
    throw std::invalid_argument(std::string("quantize_check compares int8 with float32; the encoder given is ") +
                                precision_name(exact.options().precision));
  }
  const std::vector<TextInput>& inputs = texts.empty() ? quantize_check_sample() : texts;
  EncoderOptions options = exact.options();
  options.precision = Precision::Int8;
  const Encoder quantized(options);

  QuantizeReport report;
  report.isa = cpu_info().isa;
  const RowMatrix a = exact.encode(inputs), b = quantized.encode(inputs);
  double sum = 0.0;
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    const double na = a.row(r).norm(), nb = b.row(r).norm();
    const double c = na > 0 && nb > 0 ? double{a.row(r).dot(b.row(r))} / (na * nb) : (na == nb ? 1.0 : 0.0);
    report.cosines.push_back(c);
    sum += c;
  }
  report.cosine_min = *std::min_element(report.cosines.begin(), report.cosines.end());
  report.cosine_mean = sum / static_cast<double>(report.cosines.size());

  // Every layer's hidden states of the same tokens, before any pooling.
  const BertConfig& config = exact.model().config();
  const TokenBatch batch = TokenBatch::from_encodings(exact.tokenize(inputs), family_for(config).position_offset(config));
  ForwardOptions forward;
  forward.output_hidden_states = true;
  forward.threads = options.threads;
  const std::vector<RowMatrix> ha = exact.model().forward(batch, forward).hidden_states;
  const std::vector<RowMatrix> hb = quantized.model().forward(batch, forward).hidden_states;
  for (size_t layer = 1; layer < ha.size(); ++layer) {
    const Eigen::ArrayXXf diff = (ha[layer] - hb[layer]).array().abs();
    report.layer_max_diff.push_back(diff.maxCoeff());
    report.layer_mean_diff.push_back(double{diff.mean()});
  }
  report.hidden_max_diff = report.layer_max_diff.empty() ? 0.0f : report.layer_max_diff.back();
  report.hidden_mean_diff = report.layer_mean_diff.empty() ? 0.0 : report.layer_mean_diff.back();
  for (int layer : options.float_layers) {
    report.float_layers.push_back(encoder_layer(layer, config.num_hidden_layers, "float_layers: layer"));
  }
  std::sort(report.float_layers.begin(), report.float_layers.end());
  report.float_layers.erase(std::unique(report.float_layers.begin(), report.float_layers.end()), report.float_layers.end());
  return report;
}

}  // namespace bertcpp
