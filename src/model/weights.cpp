#include <bertcpp/detail/model/weights.h>

#include "runtime/parallel.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

class TensorChecker {
 public:
  explicit TensorChecker(const TensorMap& tensors) : tensors_(tensors) {}

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }

  const float* get(const std::string& name, std::vector<int64_t> expected) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      throw std::runtime_error("checkpoint is missing tensor " + name + " (expected shape " +
                               shape_to_string(expected) + ")" + sources_hint());
    }
    const Tensor& t = it->second;
    if (t.shape != expected) {
      throw std::runtime_error("tensor " + name + " in " + t.source + " has shape " + shape_to_string(t.shape) +
                               " but the config implies " + shape_to_string(expected));
    }
    if (t.data == nullptr) throw std::runtime_error("tensor " + name + " in " + t.source + " has no data");
    return t.data;
  }

  LinearWeights linear(const std::string& prefix, int64_t out, int64_t in) const {
    LinearWeights l;
    l.weight = get(prefix + ".weight", {out, in});
    l.bias = get(prefix + ".bias", {out});
    l.out = out;
    l.in = in;
    return l;
  }

  LayerNormWeights layer_norm(const std::string& prefix, int64_t size) const {
    LayerNormWeights n;
    n.gamma = get(prefix + ".weight", {size});
    n.beta = get(prefix + ".bias", {size});
    n.size = size;
    return n;
  }

 private:
  std::string sources_hint() const {
    if (tensors_.empty()) return ": the checkpoint holds no tensors";
    return " in " + tensors_.begin()->second.source;
  }

  const TensorMap& tensors_;
};

// A layer's dense weight, checked, waiting to be packed.
struct PackJob {
  PackedLinear* target;
  LinearWeights source;
  std::string name;  // of the weight tensor, dropped from the map once packed
  Precision precision;
};

}  // namespace

int encoder_layer(int layer, int num_layers, const std::string& what) {
  if (layer < -num_layers || layer >= num_layers) {
    throw std::invalid_argument(what + " " + std::to_string(layer) + " is outside [" + std::to_string(-num_layers) + ", " +
                                std::to_string(num_layers - 1) + "] for a model with " + std::to_string(num_layers) +
                                " layers");
  }
  return layer < 0 ? num_layers + layer : layer;
}

BertWeights BertWeights::from_tensors(TensorMap tensors, const BertConfig& config, Precision precision,
                                      const std::vector<int>& float_layers) {
  const int L = config.num_hidden_layers;
  std::vector<Precision> layer_precision(static_cast<size_t>(std::max(L, 0)), precision);
  for (int layer : float_layers) {
    layer_precision[static_cast<size_t>(encoder_layer(layer, L, "float_layers: layer"))] = Precision::Float32;
  }
  BertWeights w;
  w.tensors = std::move(tensors);
  const TensorChecker check(w.tensors);
  const int64_t H = config.hidden_size, I = config.intermediate_size, V = config.vocab_size;

  w.word_embeddings = check.get("embeddings.word_embeddings.weight", {V, H});
  w.position_embeddings = check.get("embeddings.position_embeddings.weight", {config.max_position_embeddings, H});
  w.token_type_embeddings = check.get("embeddings.token_type_embeddings.weight", {config.type_vocab_size, H});
  w.embeddings_norm = check.layer_norm("embeddings.LayerNorm", H);

  // Every tensor is checked before any is packed, so a bad checkpoint fails fast.
  std::vector<PackJob> jobs;
  w.layers.resize(static_cast<size_t>(config.num_hidden_layers));
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    BertLayerWeights& layer = w.layers[static_cast<size_t>(i)];
    auto dense = [&](PackedLinear& target, const std::string& prefix, int64_t out, int64_t in) {
      jobs.push_back({&target, check.linear(prefix, out, in), prefix + ".weight", layer_precision[static_cast<size_t>(i)]});
    };
    dense(layer.query, p + "attention.self.query", H, H);
    dense(layer.key, p + "attention.self.key", H, H);
    dense(layer.value, p + "attention.self.value", H, H);
    dense(layer.attention_output, p + "attention.output.dense", H, H);
    layer.attention_norm = check.layer_norm(p + "attention.output.LayerNorm", H);
    dense(layer.intermediate, p + "intermediate.dense", I, H);
    dense(layer.output, p + "output.dense", H, I);
    layer.output_norm = check.layer_norm(p + "output.LayerNorm", H);
  }

  if (check.has("pooler.dense.weight") || check.has("pooler.dense.bias")) {
    w.pooler = check.linear("pooler.dense", H, H);
  }

  // A head counts as present when any of its own tensors is; then all of them must be right.
  if (check.has("cls.predictions.transform.dense.weight") || check.has("cls.predictions.bias")) {
    MlmHeadWeights mlm;
    mlm.transform = check.linear("cls.predictions.transform.dense", H, H);
    mlm.transform_norm = check.layer_norm("cls.predictions.transform.LayerNorm", H);
    // The decoder is tied to the word embeddings unless the checkpoint stores its own.
    mlm.decoder.weight = check.has("cls.predictions.decoder.weight")
                             ? check.get("cls.predictions.decoder.weight", {V, H})
                             : w.word_embeddings;
    mlm.decoder.bias = check.has("cls.predictions.bias") ? check.get("cls.predictions.bias", {V})
                                                         : check.get("cls.predictions.decoder.bias", {V});
    mlm.decoder.out = V;
    mlm.decoder.in = H;
    w.mlm = mlm;
  }
  if (check.has("cls.seq_relationship.weight") || check.has("cls.seq_relationship.bias")) {
    w.nsp = check.linear("cls.seq_relationship", 2, H);
  }
  // Packed on every core. Each original's mapped pages are handed back as soon as it is
  // copied, so the original and the copy are never all resident together; converted buffers
  // are freed when their tensors leave the map.
  runtime::parallel_for(jobs.size(), runtime::resolve_threads(0), [&](size_t j, int) {
    const PackJob& job = jobs[j];
    *job.target = PackedLinear(job.source.weight, job.source.bias, job.source.out, job.source.in, job.precision);
    release_pages(w.tensors.at(job.name));
  });
  for (const PackJob& job : jobs) w.tensors.erase(job.name);
  return w;
}

}  // namespace bertcpp
