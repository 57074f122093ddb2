// The model's shape and activation: Hugging Face config.json or Google's bert_config.json.
#pragma once

#include <string>

namespace bertcpp {

enum class Activation { Gelu /* exact erf */, GeluTanh /* gelu_new, gelu_pytorch_tanh */, Relu };

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  Activation hidden_act = Activation::Gelu;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;

  int head_size() const { return hidden_size / num_attention_heads; }

  // Throws std::runtime_error naming the file and the field when a required field is
  // missing or invalid, or position_embedding_type is not "absolute".
  static BertConfig from_json_file(const std::string& path);
  static BertConfig from_json(const std::string& json_text, const std::string& source = "<memory>");
  std::string to_json() const;
};

}  // namespace bertcpp
