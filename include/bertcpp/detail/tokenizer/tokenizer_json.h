// Hugging Face's fast-tokenizer file (tokenizer.json) for WordPiece models, read into the
// same Tokenizer a vocab.txt gives. The parts BERT-style tokenizers use are read and checked:
//   normalizer      BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase)
//   pre_tokenizer   BertPreTokenizer
//   model           WordPiece (vocab, unk_token "[UNK]", continuing_subword_prefix "##",
//                   max_input_chars_per_word)
//   post_processor  TemplateProcessing "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1", or
//                   BertProcessing with [CLS] / [SEP]
//   added_tokens    the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] at their vocab ids
// Anything else (another model or normalizer, other added tokens, another template) is a
// std::runtime_error that names the field, the value found and what is supported: a file is
// never half understood.
#pragma once

#include <bertcpp/tokenizer/tokenizer.h>

#include <string>
#include <vector>

namespace bertcpp {

struct TokenizerFile {
  std::vector<std::string> vocab;  // by id
  TokenizerOptions options;        // from the normalizer and the model
  std::string source;
};

// Throws std::runtime_error naming `source` for bad JSON or an unsupported part.
TokenizerFile parse_tokenizer_json(const std::string& text, const std::string& source);
TokenizerFile read_tokenizer_json(const std::string& path);

// How `file` and a vocab.txt disagree: "" when they agree, else e.g. "tokenizer.json has 30522
// tokens, vocab.txt 30521" or "id 1037: tokenizer.json \"a\", vocab.txt \"b\"" (the first difference).
std::string compare_vocab(const TokenizerFile& file, const Vocab& vocab);

}  // namespace bertcpp
