// Hugging Face BertPreTokenizer, plus the added-vocabulary step that runs before normalization:
//  - special tokens ([CLS] [SEP] [MASK] [UNK] [PAD], those the vocab has) are matched in the raw
//    text, even inside words, and never normalized;
//  - the normalized rest is split on Rust char::is_whitespace (dropped) and punctuation
//    (each punctuation character its own word).
#pragma once

#include <bertcpp/detail/tokenizer/normalizer.h>
#include <bertcpp/tokenizer/vocab.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertcpp {

// A piece of the raw text: either a special token (id >= 0) or text to normalize (id < 0).
struct RawSegment {
  uint32_t first, last;  // code point range in the decoded text
  int32_t special_id;
};

class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const Vocab& vocab);
  // Replaces `out` with the segments of text[0, n), in order, covering all of it.
  void split(const char32_t* text, uint32_t n, std::vector<RawSegment>& out) const;

 private:
  struct Special {
    std::u32string text;
    int32_t id;
  };
  std::vector<Special> specials_;  // longest first: leftmost-longest matching like HF's Aho-Corasick
};

// A word: a [first, last) range of normalized characters.
struct WordSpan {
  uint32_t first, last;
};

// Appends the words of chars[first, last) to out.
void split_words(const std::vector<NormalizedChar>& chars, uint32_t first, uint32_t last, std::vector<WordSpan>& out);

}  // namespace bertcpp
