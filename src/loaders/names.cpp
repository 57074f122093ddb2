// Hugging Face and TensorFlow tensor names -> the canonical names documented in names.h.
#include <bertcpp/detail/loaders/names.h>

#include <memory>
#include <regex>
#include <stdexcept>
#include <vector>

namespace bertcpp {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void replace_suffix(std::string& s, const std::string& suffix, const std::string& with) {
  s.replace(s.size() - suffix.size(), suffix.size(), with);
}

std::string strip_bert_prefix(std::string name) {
  if (starts_with(name, "bert.")) name.erase(0, 5);
  return name;
}

// TF names are paths: bert/encoder/layer_3/output/dense/kernel.
CanonicalName from_tensorflow(const std::string& tf_name) {
  std::string name = tf_name;
  for (char& c : name)
    if (c == '/') c = '.';
  static const std::regex layer_index(R"(\blayer_(\d+)\b)");
  name = std::regex_replace(name, layer_index, "layer.$1");
  name = strip_bert_prefix(name);

  if (name == "cls.predictions.output_bias") return {"cls.predictions.bias", false};
  if (name == "cls.seq_relationship.output_weights") return {"cls.seq_relationship.weight", false};
  if (name == "cls.seq_relationship.output_bias") return {"cls.seq_relationship.bias", false};
  if (name == "embeddings.word_embeddings" || name == "embeddings.position_embeddings" ||
      name == "embeddings.token_type_embeddings")
    return {name + ".weight", false};
  if (ends_with(name, ".kernel")) {
    replace_suffix(name, ".kernel", ".weight");
    return {name, true};  // Dense kernels are [in, out] in TF
  }
  if (ends_with(name, ".gamma")) replace_suffix(name, ".gamma", ".weight");
  else if (ends_with(name, ".beta")) replace_suffix(name, ".beta", ".bias");
  return {name, false};
}

Tensor transposed(const Tensor& t) {
  if (t.shape.size() != 2) return t;  // only matrices have an orientation
  const int64_t rows = t.shape[0], cols = t.shape[1];
  auto buffer = std::make_shared<std::vector<float>>(static_cast<size_t>(rows * cols));
  float* out = buffer->data();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = t.data[r * cols + c];
  Tensor result;
  result.shape = {cols, rows};
  result.data = out;
  result.owner = std::move(buffer);
  result.source = t.source;
  return result;
}

}  // namespace

CanonicalName canonical_name(const std::string& checkpoint_name) {
  if (checkpoint_name.find('/') != std::string::npos) return from_tensorflow(checkpoint_name);
  std::string name = strip_bert_prefix(checkpoint_name);
  // Checkpoints from before transformers 1.0 kept TF's LayerNorm parameter names.
  if (ends_with(name, "LayerNorm.gamma")) replace_suffix(name, ".gamma", ".weight");
  else if (ends_with(name, "LayerNorm.beta")) replace_suffix(name, ".beta", ".bias");
  return {name, false};
}

TensorMap to_canonical_names(TensorMap tensors) {
  TensorMap out;
  std::map<std::string, std::string> origin;  // canonical -> checkpoint name, for the error message
  for (auto& [checkpoint_name, tensor] : tensors) {
    CanonicalName canonical = canonical_name(checkpoint_name);
    auto [it, inserted] = origin.emplace(canonical.name, checkpoint_name);
    if (!inserted)
      throw std::runtime_error("tensors \"" + it->second + "\" and \"" + checkpoint_name + "\" (" + tensor.source +
                               ") both map to \"" + canonical.name + "\"");
    out.emplace(canonical.name, canonical.transpose ? transposed(tensor) : std::move(tensor));
  }
  // The MLM bias is one parameter under two names in HF; some files keep only the decoder's.
  if (!out.count("cls.predictions.bias")) {
    auto decoder_bias = out.find("cls.predictions.decoder.bias");
    if (decoder_bias != out.end()) {
      Tensor bias = std::move(decoder_bias->second);
      out.erase(decoder_bias);
      out.emplace("cls.predictions.bias", std::move(bias));
    }
  }
  return out;
}

}  // namespace bertcpp
