// BertConfig from Hugging Face config.json or Google's bert_config.json (same field names).
#include <bertcpp/loaders/config.h>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace bertcpp {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& why) {
  throw std::runtime_error(source + ": field \"" + field + "\" " + why);
}

std::string describe(const json& value) {
  std::string text = value.dump();
  return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

// Integers only: 768.0 or "768" in a config is a sign of a broken file, not a shape.
int positive_int(const json& config, const std::string& source, const char* field, bool required,
                 int fallback) {
  auto it = config.find(field);
  if (it == config.end() || (it->is_null() && !required)) {
    if (required) fail(source, field, "is missing (expected a positive integer)");
    return fallback;
  }
  if (!it->is_number_integer())
    fail(source, field, "must be a positive integer, got " + describe(*it));
  const auto value = it->get<int64_t>();
  if (value <= 0 || value > std::numeric_limits<int>::max())
    fail(source, field, "must be a positive integer, got " + std::to_string(value));
  return static_cast<int>(value);
}

Activation parse_activation(const json& config, const std::string& source) {
  auto it = config.find("hidden_act");
  if (it == config.end() || it->is_null()) return Activation::Gelu;
  if (!it->is_string()) fail(source, "hidden_act", "must be a string, got " + describe(*it));
  const std::string name = it->get<std::string>();
  if (name == "gelu" || name == "gelu_python") return Activation::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "relu") return Activation::Relu;
  fail(source, "hidden_act",
       "\"" + name + "\" is not supported (expected gelu, gelu_python, gelu_new, gelu_pytorch_tanh, "
       "gelu_fast or relu)");
}

// 1e-12f widened to double prints as 9.999999960041972e-13; print the float's shortest form.
double shortest_decimal(float value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  *result.ptr = '\0';
  return std::strtod(text, nullptr);
}

}  // namespace

BertConfig BertConfig::from_json(const std::string& json_text, const std::string& source) {
  json config;
  try {
    config = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw std::runtime_error(source + ": not valid JSON: " + e.what());
  }
  if (!config.is_object()) throw std::runtime_error(source + ": expected a JSON object, got " + describe(config));

  BertConfig c;
  c.vocab_size = positive_int(config, source, "vocab_size", true, 0);
  c.hidden_size = positive_int(config, source, "hidden_size", true, 0);
  c.num_hidden_layers = positive_int(config, source, "num_hidden_layers", true, 0);
  c.num_attention_heads = positive_int(config, source, "num_attention_heads", true, 0);
  c.intermediate_size = positive_int(config, source, "intermediate_size", true, 0);
  c.max_position_embeddings = positive_int(config, source, "max_position_embeddings", false, 512);
  c.type_vocab_size = positive_int(config, source, "type_vocab_size", false, 2);
  c.hidden_act = parse_activation(config, source);

  if (auto it = config.find("layer_norm_eps"); it != config.end() && !it->is_null()) {
    if (!it->is_number()) fail(source, "layer_norm_eps", "must be a number, got " + describe(*it));
    const double eps = it->get<double>();
    if (!(eps > 0.0) || !std::isfinite(eps))
      fail(source, "layer_norm_eps", "must be a positive number, got " + describe(*it));
    // LayerNorm runs in float: 1e-300 would become 0 (a division by zero), 1e300 infinity.
    c.layer_norm_eps = static_cast<float>(eps);
    if (!(c.layer_norm_eps > 0.0f) || !std::isfinite(c.layer_norm_eps))
      fail(source, "layer_norm_eps", "must be a positive number a float can hold, got " + describe(*it));
  }
  if (auto it = config.find("position_embedding_type"); it != config.end() && !it->is_null()) {
    // Relative position embeddings change attention itself; silently ignoring them would give
    // wrong vectors, so refuse.
    if (!it->is_string() || it->get<std::string>() != "absolute")
      fail(source, "position_embedding_type", "is " + describe(*it) + ", only \"absolute\" is supported");
  }
  if (auto it = config.find("model_type"); it != config.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty())
      fail(source, "model_type", "must be a non-empty string, got " + describe(*it));
    c.model_type = it->get<std::string>();
  }
  if (auto it = config.find("pad_token_id"); it != config.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > std::numeric_limits<int>::max())
      fail(source, "pad_token_id", "must be a non-negative integer, got " + describe(*it));
    c.pad_token_id = static_cast<int>(it->get<int64_t>());
  }
  if (c.hidden_size % c.num_attention_heads != 0)
    fail(source, "hidden_size",
         "(" + std::to_string(c.hidden_size) + ") is not divisible by num_attention_heads (" +
             std::to_string(c.num_attention_heads) + ")");
  return c;
}

BertConfig BertConfig::from_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": cannot read config file");
  return from_json(text.str(), path);
}

std::string BertConfig::to_json() const {
  json config = {
      {"model_type", model_type},
      {"pad_token_id", pad_token_id},
      {"vocab_size", vocab_size},
      {"hidden_size", hidden_size},
      {"num_hidden_layers", num_hidden_layers},
      {"num_attention_heads", num_attention_heads},
      {"intermediate_size", intermediate_size},
      {"hidden_act", activation_name(hidden_act)},
      {"max_position_embeddings", max_position_embeddings},
      {"type_vocab_size", type_vocab_size},
      {"layer_norm_eps", shortest_decimal(layer_norm_eps)},
      {"position_embedding_type", "absolute"},
  };
  return config.dump(2);
}

std::string find_config(const std::string& model_dir) {
  namespace fs = std::filesystem;
  for (const char* name : {"config.json", "bert_config.json"}) {
    const fs::path candidate = fs::path(model_dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  throw std::runtime_error(model_dir + ": no model config found (looked for config.json and bert_config.json)");
}

BertConfig load_config(const std::string& model_dir) { return BertConfig::from_json_file(find_config(model_dir)); }

}  // namespace bertcpp
