// The model's shape and activation: Hugging Face config.json or Google's bert_config.json.
#pragma once

#include <bertcpp/types.h>

#include <string>

namespace bertcpp {

struct BertConfig {
  // Required: a missing or non-positive value is an error.
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  // Optional, with Hugging Face's defaults.
  Activation hidden_act = Activation::Gelu;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  // Which family the checkpoint belongs to (model/family.h): config.json's model_type, "bert"
  // when absent (Google's bert_config.json); pad_token_id places RoBERTa-style positions.
  std::string model_type = "bert";
  int pad_token_id = 0;

  int head_size() const { return hidden_size / num_attention_heads; }

  // Throws std::runtime_error naming the file and the field when a required field is
  // missing or invalid, hidden_size is not divisible by num_attention_heads, hidden_act is
  // not one of the names above, or position_embedding_type is not "absolute".
  // Fields this library does not use (dropout, pooler_*, architectures, ...) are ignored.
  static BertConfig from_json_file(const std::string& path);
  static BertConfig from_json(const std::string& json_text, const std::string& source = "<memory>");
  // Hugging Face config.json style (model_type "bert"); from_json(to_json()) round-trips.
  std::string to_json() const;
};

// The config file of a model directory: config.json (Hugging Face), else bert_config.json
// (Google). Throws std::runtime_error listing both names when neither exists.
std::string find_config(const std::string& model_dir);
BertConfig load_config(const std::string& model_dir);

}  // namespace bertcpp
