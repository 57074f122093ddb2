// Text -> ids: Hugging Face BertTokenizer, code point for code point.
//
//   bertcpp::Tokenizer tok("models/bert-mini-uncased/vocab.txt");
//   bertcpp::Encoding e = tok.encode("Hello, world!");   // ids, type_ids, tokens, offsets
//
// Input is UTF-8. Invalid byte sequences are dropped, like Google BERT's
// convert_to_unicode(text, "ignore"); offsets then count the code points that remain.
//
// Matches Hugging Face tokenizers 0.22 (BertNormalizer + BertPreTokenizer + WordPiece +
// BertProcessing with [PAD] [UNK] [CLS] [SEP] [MASK] as special added tokens) on ids, tokens,
// type ids and offsets; tests/data/tokenizer holds the golden files that check it.
// Tokenizer is immutable after construction: every method is safe to call from many threads.
#pragma once

#include <bertcpp/tokenizer/encoding.h>
#include <bertcpp/tokenizer/errors.h>
#include <bertcpp/tokenizer/vocab.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertcpp {

struct TokenizerOptions {
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset: follow lowercase (Hugging Face's None)
  bool tokenize_chinese_chars = true;
  bool clean_text = true;
  size_t max_input_chars_per_word = 100;
};

// A text or a pair of texts to encode.
struct TextInput {
  std::string a;
  std::optional<std::string> b{};  // {}: `TextInput{"text"}` compiles cleanly under -Wextra
};

// How encode_batch runs. Limits: threads <= kMaxThreads (std::invalid_argument above).
struct BatchOptions {
  std::optional<size_t> max_length;  // as Tokenizer::encode
  size_t threads = 0;                // 0: all cores; never more than the cores or the inputs
  // Leave tokens, offsets and attention_mask empty: a model needs ids and type ids only, and
  // the strings cost ~0.5 KB a text.
  bool ids_only = false;
  // Polled on the calling thread about every 20 ms (between chunks of text, also inside one
  // long text); returning false stops every thread and throws bertcpp::Cancelled.
  std::function<bool()> keep_going;
};

class Tokenizer {
 public:
  // Throws std::runtime_error naming the vocab when it lacks [UNK], [CLS] or [SEP].
  explicit Tokenizer(const std::string& vocab_file, TokenizerOptions options = {});
  Tokenizer(Vocab vocab, TokenizerOptions options = {});

  // max_length counts [CLS]/[SEP]; longer inputs are truncated with Hugging Face's
  // longest_first rule (see truncation.h). Without max_length nothing is truncated.
  // std::invalid_argument if max_length cannot hold the special tokens (2, or 3 for a pair).
  Encoding encode(std::string_view text, std::optional<size_t> max_length = std::nullopt) const;
  Encoding encode_pair(std::string_view a, std::string_view b,
                       std::optional<size_t> max_length = std::nullopt) const;
  // Encodes in parallel on `threads` threads (0: all cores); results in input order.
  // A bad input throws bertcpp::InputError naming its index. If the system refuses to start
  // more threads, the ones started finish the work.
  std::vector<Encoding> encode_batch(const std::vector<TextInput>& inputs,
                                     std::optional<size_t> max_length = std::nullopt,
                                     size_t threads = 0) const;
  std::vector<Encoding> encode_batch(const std::vector<TextInput>& inputs, const BatchOptions& options) const;
  static constexpr size_t kMaxThreads = 1024;
  // Encodes already-split tokens (bert-as-service's is_tokenized): each must be a vocab
  // entry or is mapped to [UNK]; no normalization. Offsets are [i, i+1) token indices into
  // tokens_a / tokens_b, since there is no text.
  Encoding encode_tokens(const std::vector<std::string>& tokens_a,
                         const std::vector<std::string>* tokens_b = nullptr,
                         std::optional<size_t> max_length = std::nullopt) const;

  // WordPiece tokens of a text, without [CLS]/[SEP].
  std::vector<std::string> tokenize(std::string_view text) const;

  const Vocab& vocab() const { return vocab_; }
  const TokenizerOptions& options() const { return options_; }

 private:
  struct Pieces;  // the ids (and offsets) of one text, see tokenizer.cpp
  struct Stop;    // cancellation shared by the threads of one call
  // WordPiece ids of a text and their code point offsets, without [CLS]/[SEP]; see tokenizer.cpp.
  void tokenize_ids(std::string_view text, size_t keep, bool count_all, Pieces& out, Stop* stop) const;
  Encoding assemble(const Pieces& a, const Pieces* b, std::optional<size_t> max_length, bool ids_only) const;
  Encoding encode_one(std::string_view a, const std::string_view* b, std::optional<size_t> max_length,
                      bool ids_only, Stop* stop) const;

  struct Stages;  // normalizer, special-token matcher, WordPiece (detail/tokenizer/), see tokenizer.cpp

  Vocab vocab_;
  TokenizerOptions options_;
  std::shared_ptr<const Stages> stages_;  // immutable, so copies of a Tokenizer share them
};

}  // namespace bertcpp
