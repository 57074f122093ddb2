// The tokenizer of a model folder, from whatever it ships: vocab.txt, tokenizer.json (Hugging
// Face's fast-tokenizer file), or both, plus tokenizer_config.json / special_tokens_map.json.
#pragma once

#include <bertcpp/tokenizer/tokenizer.h>

#include <optional>
#include <string>

namespace bertcpp {

struct FolderTokenizerConfig {
  std::optional<bool> do_lower_case;        // tokenizer_config.json
  std::optional<size_t> model_max_length;   // tokenizer_config.json; HF's "no limit" (>= 1e9) reads as unset
};

// tokenizer_config.json and special_tokens_map.json of `model_dir` (absent files: all unset).
// Throws std::runtime_error naming the file for bad JSON, and for special tokens other than
// [UNK] [SEP] [PAD] [CLS] [MASK], which this WordPiece tokenizer cannot honour.
FolderTokenizerConfig read_tokenizer_config(const std::string& model_dir);

// Whether the folder's vocabulary is lower-cased: tokenizer_config.json's do_lower_case, else
// tokenizer.json's normalizer, else false only when the folder's name says "cased" (not "uncased").
bool folder_is_lowercase(const std::string& model_dir);

// The folder's tokenizer. `requested` can only turn steps off: lower-casing (and the other
// normalizer steps) run when both it and the folder ask for them. With vocab.txt and
// tokenizer.json both present they must agree (vocabulary, lower-casing), else
// std::runtime_error says how they differ. Neither: std::runtime_error naming both.
Tokenizer load_folder_tokenizer(const std::string& model_dir, const TokenizerOptions& requested = {});

}  // namespace bertcpp
