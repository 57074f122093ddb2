// Shared by the model, pooling, heads and encoder tests: the bundled model and the Hugging Face
// reference outputs of tests/data/reference (see its README).
#pragma once

#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/loaders/config.h>
#include <bertcpp/detail/loaders/names.h>
#include <bertcpp/detail/loaders/safetensors.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/weights.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace bertcpp::testing {

inline const std::string kModelDir = BERTCPP_MODEL_DIR_FOR_TESTS;
inline const std::string kReferenceDir = std::string(BERTCPP_TEST_DATA) + "/reference";

// The bundled checkpoint's tensors under canonical names, every one of them (a model's
// BertWeights keeps only those it does not hold packed).
inline TensorMap bundled_tensors() { return to_canonical_names(load_safetensors(kModelDir + "/model.safetensors")); }

// Built from the safetensors file directly, so these tests do not depend on find_checkpoint.
inline std::shared_ptr<const BertModel> bundled_model() {
  static std::shared_ptr<const BertModel> model = [] {
    BertConfig config = load_config(kModelDir);
    auto weights = std::make_shared<const BertWeights>(BertWeights::from_tensors(bundled_tensors(), config));
    return std::make_shared<const BertModel>(config, weights);
  }();
  return model;
}

// A reference file's tensor as a flat float vector / int32 vector.
inline std::vector<float> floats(const SafetensorsFile& file, const std::string& name) {
  Tensor t = file.to_float(name);
  return std::vector<float>(t.data, t.data + t.numel());
}
inline std::vector<int32_t> ints(const SafetensorsFile& file, const std::string& name) {
  std::vector<int64_t> wide = file.to_int64(name);
  return std::vector<int32_t>(wide.begin(), wide.end());
}

// The reference's 20 padded texts ([20, 73] input_ids, attention_mask, token_type_ids), packed.
inline TokenBatch reference_batch() {
  const SafetensorsFile ref(kReferenceDir + "/mini_reference_public.safetensors");
  const std::vector<int32_t> ids = ints(ref, "input_ids"), mask = ints(ref, "attention_mask"),
                             types = ints(ref, "token_type_ids");
  return TokenBatch::from_padded(ids.data(), mask.data(), types.data(), 20, 73);
}

// Sequence s of a packed batch, as a batch of its own.
inline TokenBatch single(const TokenBatch& batch, size_t s) {
  TokenBatch one;
  const auto b = batch.offsets[s], e = batch.offsets[s + 1];
  one.ids.assign(batch.ids.begin() + b, batch.ids.begin() + e);
  one.type_ids.assign(batch.type_ids.begin() + b, batch.type_ids.begin() + e);
  one.positions.assign(batch.positions.begin() + b, batch.positions.begin() + e);
  one.offsets = {0, e - b};
  return one;
}

// Largest |a - b| over row r of `ours` against `expected` (contiguous, cols floats).
inline float row_max_diff(const RowMatrix& ours, Eigen::Index r, const float* expected) {
  float worst = 0.0f;
  for (Eigen::Index c = 0; c < ours.cols(); ++c) worst = std::max(worst, std::fabs(ours(r, c) - expected[c]));
  return worst;
}

inline float max_diff(const RowMatrix& ours, const std::vector<float>& expected) {
  float worst = 0.0f;
  for (Eigen::Index r = 0; r < ours.rows(); ++r) {
    worst = std::max(worst, row_max_diff(ours, r, expected.data() + r * ours.cols()));
  }
  return worst;
}

inline float max_diff(const RowMatrix& a, const RowMatrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace bertcpp::testing
