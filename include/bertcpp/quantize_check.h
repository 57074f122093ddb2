// The int8 accuracy gate: what Precision::Int8 costs a model, measured on texts rather than
// promised. The same model and options are loaded in float32 and in int8, the texts encoded by
// both, and the report says how far apart they land (`bertcpp quantize-check`,
// `bertcpp.quantize_check` in Python).
#pragma once

#include <bertcpp/encoder.h>

#include <string>
#include <vector>

namespace bertcpp {

struct QuantizeReport {
  std::string isa;                  // the kernel variant that ran the int8 products
  size_t texts = 0;                 // how many were encoded
  std::vector<double> cosines;      // per text: cosine of its int8 vector to its float32 vector
  double cosine_min = 1.0, cosine_mean = 1.0;
  float hidden_max_diff = 0.0f;     // max |diff| over every token of the last hidden states
  double hidden_mean_diff = 0.0;    // mean |diff| over the same
  // The same for each encoder layer's output (index 0 = layer 0): a layer whose activations
  // per-row int8 cannot hold shows as a jump; EncoderOptions::float_layers keeps it float32.
  std::vector<float> layer_max_diff;
  std::vector<double> layer_mean_diff;
  std::vector<int> float_layers;    // the layers kept in float32 (0-based, sorted)
};

// A few sentences of everyday and technical English, used when no texts are given.
const std::vector<TextInput>& quantize_check_sample();

// `options` as for an Encoder (its precision is ignored), on the sample or on `texts`
// (std::invalid_argument when empty). The texts go through the model in the Encoder's batches,
// windows included, so memory is one batch's whatever their number. progress(done, total) is
// called after each batch of the three passes (float32 vectors, int8 vectors, every layer of
// both); returning false throws bertcpp::Cancelled. std::invalid_argument for bad options,
// std::runtime_error for a bad model folder.
QuantizeReport quantize_check(EncoderOptions options, const ProgressCallback& progress = {});
QuantizeReport quantize_check(EncoderOptions options, const std::vector<TextInput>& texts,
                              const ProgressCallback& progress = {});
// The same with the float32 side already loaded (std::invalid_argument if it is not float32);
// the int8 side is loaded with its options.
QuantizeReport quantize_check(const Encoder& exact, const std::vector<TextInput>& texts,
                              const ProgressCallback& progress = {});

}  // namespace bertcpp
