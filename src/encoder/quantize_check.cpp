#include <bertcpp/quantize_check.h>

#include <bertcpp/cpu.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/token_batch.h>
#include <bertcpp/detail/model/weights.h>

#include "encoder/batching.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
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

namespace {

// Cosine of two float32 rows, summed in double: a row against itself gives exactly 1.
double cosine(const RowMatrix& a, const RowMatrix& b, Eigen::Index r) {
  const Eigen::RowVectorXd x = a.row(r).cast<double>(), y = b.row(r).cast<double>();
  const double xx = x.squaredNorm(), yy = y.squaredNorm();
  if (xx == 0 || yy == 0) return xx == yy ? 1.0 : 0.0;
  return std::clamp(x.dot(y) / std::sqrt(xx * yy), -1.0, 1.0);
}

}  // namespace

QuantizeReport quantize_check(EncoderOptions options, const ProgressCallback& progress) {
  return quantize_check(std::move(options), quantize_check_sample(), progress);
}

QuantizeReport quantize_check(EncoderOptions options, const std::vector<TextInput>& texts,
                              const ProgressCallback& progress) {
  options.precision = Precision::Float32;
  if (texts.empty()) throw std::invalid_argument("quantize_check: the text list is empty");
  return quantize_check(Encoder(options), texts, progress);
}

QuantizeReport quantize_check(const Encoder& exact, const std::vector<TextInput>& inputs,
                              const ProgressCallback& progress) {
  if (exact.options().precision != Precision::Float32) {
    throw std::invalid_argument(std::string("quantize_check compares int8 with float32; the encoder given is ") +
                                precision_name(exact.options().precision));
  }
  if (inputs.empty()) throw std::invalid_argument("quantize_check: the text list is empty");
  EncoderOptions options = exact.options();
  options.precision = Precision::Int8;
  const Encoder quantized(options);
  const size_t n = inputs.size();
  // Three passes over the texts, reported as one count: float32 vectors, int8 vectors, layers.
  auto pass = [&](size_t before) -> ProgressCallback {
    if (!progress) return {};
    return [&progress, before, n](size_t done, size_t) { return progress(before + done, 3 * n); };
  };

  QuantizeReport report;
  report.isa = cpu_info().isa;
  report.texts = n;
  const RowMatrix a = exact.encode(inputs, pass(0)), b = quantized.encode(inputs, pass(n));
  double sum = 0.0;
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    report.cosines.push_back(cosine(a, b, r));
    sum += report.cosines.back();
  }
  report.cosine_min = *std::min_element(report.cosines.begin(), report.cosines.end());
  report.cosine_mean = sum / static_cast<double>(n);

  // Every layer's output for the sequences the model runs (windows included), in the
  // Encoder's batches: per layer the max and the sum of |diff| over every value.
  const BertConfig& config = exact.model().config();
  const int32_t position_offset = family_for(config).position_offset(config);
  ForwardOptions forward;
  forward.output_hidden_states = true;
  forward.threads = options.threads;
  const auto layers = static_cast<size_t>(config.num_hidden_layers);
  report.layer_max_diff.assign(layers, 0.0f);
  std::vector<double> diff_sum(layers, 0.0);
  double values = 0.0;
  for (size_t first = 0; first < n; first += Encoder::kStreamTexts) {
    const size_t count = std::min(Encoder::kStreamTexts, n - first);
    const std::vector<TextInput> slice(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                                       inputs.begin() + static_cast<std::ptrdiff_t>(first + count));
    const std::vector<Encoding> sequences = exact.model_sequences(exact.tokenize(slice), first);
    std::vector<size_t> lengths;
    for (const Encoding& e : sequences) lengths.push_back(e.size());
    const detail::BatchPlan plan = detail::plan_batches(lengths, options.batch_size, Encoder::kTokenBudget);
    size_t done = 0;
    for (const std::vector<size_t>& indices : plan.batches) {
      std::vector<Encoding> group;
      for (size_t i : indices) group.push_back(sequences[i]);
      const TokenBatch batch = TokenBatch::from_encodings(group, position_offset);
      const std::vector<RowMatrix> ha = exact.model().forward(batch, forward).hidden_states;
      const std::vector<RowMatrix> hb = quantized.model().forward(batch, forward).hidden_states;
      for (size_t layer = 0; layer < layers; ++layer) {
        const Eigen::ArrayXXf diff = (ha[layer + 1] - hb[layer + 1]).array().abs();
        report.layer_max_diff[layer] = std::max(report.layer_max_diff[layer], diff.maxCoeff());
        diff_sum[layer] += diff.cast<double>().sum();
      }
      values += static_cast<double>(ha.back().size());
      done += indices.size();
      // Progress in texts: this slice's share of its sequences done.
      if (progress && !progress(2 * n + first + done * count / sequences.size(), 3 * n)) throw Cancelled();
    }
  }
  for (double s : diff_sum) report.layer_mean_diff.push_back(s / values);
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
