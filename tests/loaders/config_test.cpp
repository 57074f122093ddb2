#include <bertcpp/loaders/config.h>

#include <gtest/gtest.h>

#include "loaders/loader_test_support.h"

#include <filesystem>
#include <string>
#include <vector>

namespace bertcpp {
namespace {

using testing::expect_runtime_error;
using testing::TempDir;
using testing::write_file;

// The fields every config must have, as text to splice into a JSON object.
const std::string kRequired =
    "\"vocab_size\": 30522, \"hidden_size\": 768, \"num_hidden_layers\": 12, "
    "\"num_attention_heads\": 12, \"intermediate_size\": 3072";

std::string with(const std::string& extra) { return "{" + kRequired + (extra.empty() ? "" : ", " + extra) + "}"; }

TEST(Config, ReadsTheBundledHuggingFaceConfig) {
  const BertConfig c = BertConfig::from_json_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/config.json");
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.hidden_size, 256);
  EXPECT_EQ(c.num_hidden_layers, 4);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.head_size(), 64);
  EXPECT_EQ(c.intermediate_size, 1024);
  EXPECT_EQ(c.hidden_act, Activation::Gelu);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_FLOAT_EQ(c.layer_norm_eps, 1e-12f);
}

TEST(Config, ReadsGoogleBertConfigAndIgnoresUnknownFields) {
  // The shape of Google's bert_config.json: pooler_* and directionality are not ours to use.
  const BertConfig c = BertConfig::from_json(R"({
    "attention_probs_dropout_prob": 0.1, "directionality": "bidi", "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "hidden_size": 4, "initializer_range": 0.02, "intermediate_size": 16,
    "max_position_embeddings": 16, "num_attention_heads": 4, "num_hidden_layers": 2,
    "pooler_fc_size": 4, "pooler_type": "first_token_transform", "type_vocab_size": 2, "vocab_size": 15})");
  EXPECT_EQ(c.vocab_size, 15);
  EXPECT_EQ(c.hidden_size, 4);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.head_size(), 1);
  EXPECT_EQ(c.intermediate_size, 16);
  EXPECT_EQ(c.max_position_embeddings, 16);
  EXPECT_FLOAT_EQ(c.layer_norm_eps, 1e-12f);  // Google's file has none: the default
}

TEST(Config, ReadsTheSharedKerasCheckpointConfig) {
  const std::string path = std::string(BERTCPP_SHARED_DIR) + "/fixtures/keras_bert_tf_checkpoint/bert_config.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  const BertConfig c = BertConfig::from_json_file(path);
  EXPECT_EQ(c.vocab_size, 15);
  EXPECT_EQ(c.hidden_size, 4);
  EXPECT_EQ(c.num_attention_heads, 4);
}

TEST(Config, OptionalFieldsDefaultAndOverride) {
  const BertConfig defaults = BertConfig::from_json(with(""));
  EXPECT_EQ(defaults.hidden_act, Activation::Gelu);
  EXPECT_EQ(defaults.max_position_embeddings, 512);
  EXPECT_EQ(defaults.type_vocab_size, 2);
  EXPECT_FLOAT_EQ(defaults.layer_norm_eps, 1e-12f);

  const BertConfig set = BertConfig::from_json(
      with("\"max_position_embeddings\": 128, \"type_vocab_size\": 1, \"layer_norm_eps\": 1e-5, "
           "\"position_embedding_type\": \"absolute\", \"hidden_act\": null"));
  EXPECT_EQ(set.max_position_embeddings, 128);
  EXPECT_EQ(set.type_vocab_size, 1);
  EXPECT_FLOAT_EQ(set.layer_norm_eps, 1e-5f);
  EXPECT_EQ(set.hidden_act, Activation::Gelu);
}

TEST(Config, ActivationNames) {
  const std::vector<std::pair<std::string, Activation>> cases = {
      {"gelu", Activation::Gelu},          {"gelu_python", Activation::Gelu},
      {"gelu_new", Activation::GeluTanh},  {"gelu_pytorch_tanh", Activation::GeluTanh},
      {"gelu_fast", Activation::GeluTanh}, {"relu", Activation::Relu}};
  for (const auto& [name, expected] : cases)
    EXPECT_EQ(BertConfig::from_json(with("\"hidden_act\": \"" + name + "\"")).hidden_act, expected) << name;
}

TEST(Config, ToJsonRoundTrips) {
  BertConfig c = BertConfig::from_json(
      with("\"hidden_act\": \"gelu_new\", \"layer_norm_eps\": 1e-6, \"max_position_embeddings\": 64"));
  const BertConfig again = BertConfig::from_json(c.to_json());
  EXPECT_EQ(again.vocab_size, c.vocab_size);
  EXPECT_EQ(again.hidden_size, c.hidden_size);
  EXPECT_EQ(again.num_hidden_layers, c.num_hidden_layers);
  EXPECT_EQ(again.num_attention_heads, c.num_attention_heads);
  EXPECT_EQ(again.intermediate_size, c.intermediate_size);
  EXPECT_EQ(again.hidden_act, Activation::GeluTanh);
  EXPECT_EQ(again.max_position_embeddings, 64);
  EXPECT_EQ(again.type_vocab_size, 2);
  EXPECT_EQ(again.layer_norm_eps, c.layer_norm_eps);
  EXPECT_NE(BertConfig::from_json(with("")).to_json().find("\"layer_norm_eps\": 1e-12"), std::string::npos);
}

struct BadConfig {
  std::string label;
  std::string json;
  std::vector<std::string> message_has;  // besides the source name
};

TEST(Config, BadConfigsNameTheSourceAndTheField) {
  auto without = [&](const std::string& field) {
    // Rebuild the required list minus one field.
    std::string out = "{";
    for (const char* f : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"}) {
      if (field == f) continue;
      out += std::string(out.size() > 1 ? ", " : "") + "\"" + f + "\": " +
             (std::string(f) == "vocab_size" ? "30522" : std::string(f) == "intermediate_size" ? "3072" :
              std::string(f) == "hidden_size" ? "768" : "12");
    }
    return out + "}";
  };
  const std::vector<BadConfig> cases = {
      {"not json", "{\"vocab_size\": 3", {"not valid JSON"}},
      {"not an object", "[1, 2]", {"expected a JSON object"}},
      // nlohmann throws out_of_range (not parse_error) for this: it must still name the file.
      {"number beyond double", with("\"layer_norm_eps\": 1e400"), {"not valid JSON", "number overflow"}},
      {"missing vocab_size", without("vocab_size"), {"\"vocab_size\"", "missing"}},
      {"missing hidden_size", without("hidden_size"), {"\"hidden_size\"", "missing"}},
      {"missing num_hidden_layers", without("num_hidden_layers"), {"\"num_hidden_layers\"", "missing"}},
      {"missing num_attention_heads", without("num_attention_heads"), {"\"num_attention_heads\"", "missing"}},
      {"missing intermediate_size", without("intermediate_size"), {"\"intermediate_size\"", "missing"}},
      {"string size", "{\"vocab_size\": \"30522\", \"hidden_size\": 768, \"num_hidden_layers\": 12, "
                      "\"num_attention_heads\": 12, \"intermediate_size\": 3072}",
       {"\"vocab_size\"", "positive integer", "\"30522\""}},
      {"float size", "{\"vocab_size\": 30522, \"hidden_size\": 768.5, \"num_hidden_layers\": 12, "
                     "\"num_attention_heads\": 12, \"intermediate_size\": 3072}",
       {"\"hidden_size\"", "768.5"}},
      {"zero layers", "{\"vocab_size\": 30522, \"hidden_size\": 768, \"num_hidden_layers\": 0, "
                      "\"num_attention_heads\": 12, \"intermediate_size\": 3072}",
       {"\"num_hidden_layers\"", "got 0"}},
      {"negative heads", "{\"vocab_size\": 30522, \"hidden_size\": 768, \"num_hidden_layers\": 12, "
                         "\"num_attention_heads\": -12, \"intermediate_size\": 3072}",
       {"\"num_attention_heads\"", "-12"}},
      {"huge", "{\"vocab_size\": 30522, \"hidden_size\": 768, \"num_hidden_layers\": 12, "
               "\"num_attention_heads\": 12, \"intermediate_size\": 99999999999}",
       {"\"intermediate_size\"", "99999999999"}},
      {"indivisible heads", "{\"vocab_size\": 30522, \"hidden_size\": 770, \"num_hidden_layers\": 12, "
                            "\"num_attention_heads\": 12, \"intermediate_size\": 3072}",
       {"\"hidden_size\"", "770", "not divisible", "12"}},
      {"relative positions", with("\"position_embedding_type\": \"relative_key\""),
       {"\"position_embedding_type\"", "relative_key", "absolute"}},
      {"unknown activation", with("\"hidden_act\": \"swish\""), {"\"hidden_act\"", "swish", "not supported"}},
      {"activation not a string", with("\"hidden_act\": 3"), {"\"hidden_act\"", "must be a string"}},
      {"negative eps", with("\"layer_norm_eps\": -1e-12"), {"\"layer_norm_eps\"", "positive"}},
      {"string eps", with("\"layer_norm_eps\": \"1e-12\""), {"\"layer_norm_eps\"", "must be a number"}},
      {"eps zero as a float", with("\"layer_norm_eps\": 1e-300"), {"\"layer_norm_eps\"", "a float can hold"}},
      {"eps infinite as a float", with("\"layer_norm_eps\": 1e300"), {"\"layer_norm_eps\"", "a float can hold"}},
      {"zero max positions", with("\"max_position_embeddings\": 0"), {"\"max_position_embeddings\""}},
      {"bad type vocab", with("\"type_vocab_size\": true"), {"\"type_vocab_size\""}},
  };
  for (const BadConfig& c : cases) {
    std::vector<std::string> expected = c.message_has;
    expected.push_back("my_config.json");
    expect_runtime_error([&] { BertConfig::from_json(c.json, "dir/my_config.json"); }, expected, c.label);
  }
}

TEST(Config, FileErrorsNameThePath) {
  TempDir dir;
  expect_runtime_error([&] { BertConfig::from_json_file(dir.file("absent.json")); }, {"absent.json", "cannot open"});
  write_file(dir.file("broken.json"), "{\"hidden_size\": ");
  expect_runtime_error([&] { BertConfig::from_json_file(dir.file("broken.json")); }, {"broken.json", "JSON"});
  write_file(dir.file("partial.json"), "{\"hidden_size\": 8}");
  expect_runtime_error([&] { BertConfig::from_json_file(dir.file("partial.json")); },
                       {"partial.json", "\"vocab_size\""});
}

TEST(Config, LoadConfigPrefersConfigJsonThenBertConfigJson) {
  TempDir dir;
  expect_runtime_error([&] { load_config(dir.path().string()); },
                       {dir.path().string(), "config.json", "bert_config.json"});
  write_file(dir.file("bert_config.json"), with("\"max_position_embeddings\": 16"));
  EXPECT_EQ(find_config(dir.path().string()), dir.file("bert_config.json"));
  EXPECT_EQ(load_config(dir.path().string()).max_position_embeddings, 16);
  write_file(dir.file("config.json"), with("\"max_position_embeddings\": 32"));
  EXPECT_EQ(find_config(dir.path().string()), dir.file("config.json"));
  EXPECT_EQ(load_config(dir.path().string()).max_position_embeddings, 32);
}

}  // namespace
}  // namespace bertcpp
