// config.json / bert_config.json text -> BertConfig. Accepted configs must be usable (positive
// sizes, heads dividing hidden) and must survive to_json -> from_json unchanged.
#include "fuzz_support.h"

#include <bertcpp/loaders/config.h>

#include <cmath>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bertcpp::fuzz::check;
  const std::string text(reinterpret_cast<const char*>(data), size);
  bertcpp::BertConfig config;
  try {
    config = bertcpp::BertConfig::from_json(text, "fuzz-config.json");
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-config.json");
    return 0;
  }
  check(config.vocab_size > 0 && config.hidden_size > 0 && config.num_hidden_layers > 0 &&
            config.num_attention_heads > 0 && config.intermediate_size > 0 &&
            config.max_position_embeddings > 0 && config.type_vocab_size > 0,
        "accepted config has a non-positive size");
  check(config.hidden_size % config.num_attention_heads == 0, "accepted config: heads do not divide hidden_size");
  check(std::isfinite(config.layer_norm_eps) && config.layer_norm_eps > 0.0f,
        "accepted config: layer_norm_eps is not a positive finite float");

  const bertcpp::BertConfig again = bertcpp::BertConfig::from_json(config.to_json(), "round-trip");
  check(again.vocab_size == config.vocab_size && again.hidden_size == config.hidden_size &&
            again.num_hidden_layers == config.num_hidden_layers &&
            again.num_attention_heads == config.num_attention_heads &&
            again.intermediate_size == config.intermediate_size && again.hidden_act == config.hidden_act &&
            again.max_position_embeddings == config.max_position_embeddings &&
            again.type_vocab_size == config.type_vocab_size && again.layer_norm_eps == config.layer_norm_eps,
        "to_json -> from_json changed the config");
  return 0;
}
