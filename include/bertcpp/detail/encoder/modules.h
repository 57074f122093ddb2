// A sentence-transformers model folder, read the way sentence-transformers reads it:
// modules.json's chain (Transformer -> Pooling -> Dense* / Normalize), 1_Pooling/config.json,
// each Dense's config.json, sentence_bert_config.json (max_seq_length) and
// config_sentence_transformers.json (prompts, default_prompt_name, similarity_fn_name).
//
// The C++ Encoder applies this chain (EncoderOptions fields left unset take it); the Python
// module and the CLI only pass options through. Bad files throw std::runtime_error naming the
// file, the field and what is allowed.
#pragma once

#include <bertcpp/pooling/pooling.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

// Activations sentence-transformers' Dense takes by class name (activation_function).
enum class DenseActivation { Identity, Tanh, ReLU, Sigmoid, Gelu };
// "torch.nn.modules.activation.Tanh" or "Tanh" -> Tanh; std::runtime_error listing the valid ones.
DenseActivation parse_dense_activation(const std::string& name, const std::string& source);
const char* dense_activation_name(DenseActivation activation);

struct PoolingModule {
  std::vector<PoolingStrategy> modes;  // concatenated in this (sentence-transformers') order
  bool include_prompt = true;
  int64_t word_embedding_dimension = 0;  // 0: not given
};

struct DenseModule {
  std::string dir;  // the module's folder (holds config.json and the weights)
  int64_t in_features = 0, out_features = 0;
  bool bias = true;
  DenseActivation activation = DenseActivation::Tanh;
};

// One step after pooling, in chain order.
struct PostPoolingStep {
  enum class Kind { Dense, Normalize } kind;
  size_t dense_index = 0;  // into SentenceModules::dense, for Kind::Dense
};

struct SentenceModules {
  struct Entry {
    std::string type;  // as modules.json says, e.g. "sentence_transformers.models.Pooling"
    std::string path;  // relative to the folder ("" for the folder itself)
  };
  std::string folder;
  std::vector<Entry> chain;        // modules.json, in the file's order
  std::string transformer_dir;     // where config.json, the weights and the vocabulary are
  PoolingModule pooling;
  std::vector<DenseModule> dense;
  std::vector<PostPoolingStep> after_pooling;
  std::optional<size_t> max_seq_length;  // sentence_bert_config.json
  std::optional<bool> do_lower_case;     // sentence_bert_config.json: ST lower-cases the text itself
  std::map<std::string, std::string> prompts;
  std::optional<std::string> default_prompt_name;
  std::string similarity_fn_name = "cosine";

  // Output width after the chain, for pooled width `pooled` (Dense changes it).
  size_t output_dim(size_t pooled) const;
  // "Transformer(max_seq_length=128) -> Pooling(mean) -> Normalize", for `bertcpp info`;
  // an Encoder passes the length it really reads (the file's, capped by the model).
  std::string describe(std::optional<size_t> tokens_read = std::nullopt) const;
};

// Whether `model_dir` is a sentence-transformers folder (has modules.json).
bool is_sentence_transformers_folder(const std::string& model_dir);
// Reads the whole chain. Throws std::runtime_error for a missing module folder or config, an
// unknown module type, a chain without Transformer/Pooling, a pooling config without any
// mode, bad JSON, or a prompt name that default_prompt_name uses but prompts lacks.
SentenceModules read_sentence_modules(const std::string& model_dir);

// The parsers behind it, on text (for the fuzz targets). `source` names the file in errors.
std::vector<SentenceModules::Entry> parse_modules_json(const std::string& text, const std::string& source);
PoolingModule parse_pooling_config(const std::string& text, const std::string& source);
DenseModule parse_dense_config(const std::string& text, const std::string& source);

}  // namespace bertcpp
