#include "random_bert.h"

#include <bertcpp/detail/model/weights.h>

#include <random>
#include <string>
#include <vector>

namespace bertcpp::bench {

BertConfig bert_base_config() {
  BertConfig c;
  c.vocab_size = 30522;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;
  c.hidden_act = Activation::Gelu;
  c.max_position_embeddings = 512;
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12f;
  return c;
}

namespace {

class RandomTensors {
 public:
  explicit RandomTensors(uint64_t seed) : rng_(seed) {}

  void normal(const std::string& name, std::vector<int64_t> shape) {
    add(name, std::move(shape), [&] { return dist_(rng_); });
  }
  void constant(const std::string& name, std::vector<int64_t> shape, float value) {
    add(name, std::move(shape), [&] { return value; });
  }
  void linear(const std::string& prefix, int64_t out, int64_t in) {
    normal(prefix + ".weight", {out, in});
    normal(prefix + ".bias", {out});
  }
  void layer_norm(const std::string& prefix, int64_t size) {
    constant(prefix + ".weight", {size}, 1.0f);
    constant(prefix + ".bias", {size}, 0.0f);
  }
  TensorMap take() { return std::move(tensors_); }

 private:
  template <typename Fill>
  void add(const std::string& name, std::vector<int64_t> shape, Fill fill) {
    Tensor t;
    t.shape = std::move(shape);
    auto data = std::make_shared<std::vector<float>>(static_cast<size_t>(t.numel()));
    for (float& x : *data) x = fill();
    t.data = data->data();
    t.owner = data;
    t.source = "<random weights>";
    tensors_[name] = std::move(t);
  }

  std::mt19937_64 rng_;
  std::normal_distribution<float> dist_{0.0f, 0.02f};
  TensorMap tensors_;
};

}  // namespace

std::shared_ptr<const BertModel> random_bert(const BertConfig& config, Precision precision, uint64_t seed) {
  const int64_t H = config.hidden_size, I = config.intermediate_size;
  RandomTensors r(seed);
  r.normal("embeddings.word_embeddings.weight", {config.vocab_size, H});
  r.normal("embeddings.position_embeddings.weight", {config.max_position_embeddings, H});
  r.normal("embeddings.token_type_embeddings.weight", {config.type_vocab_size, H});
  r.layer_norm("embeddings.LayerNorm", H);
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    r.linear(p + "attention.self.query", H, H);
    r.linear(p + "attention.self.key", H, H);
    r.linear(p + "attention.self.value", H, H);
    r.linear(p + "attention.output.dense", H, H);
    r.layer_norm(p + "attention.output.LayerNorm", H);
    r.linear(p + "intermediate.dense", I, H);
    r.linear(p + "output.dense", H, I);
    r.layer_norm(p + "output.LayerNorm", H);
  }
  r.linear("pooler.dense", H, H);
  auto weights = std::make_shared<const BertWeights>(BertWeights::from_tensors(r.take(), config, precision));
  return std::make_shared<const BertModel>(config, weights);
}

}  // namespace bertcpp::bench
