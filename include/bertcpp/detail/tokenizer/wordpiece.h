// WordPiece (Hugging Face models/wordpiece): greedy longest-match-first from the left, "##" before
// every piece but the first. A word longer than max_input_chars_per_word (in normalized code
// points), or one that cannot be segmented completely, becomes a single [UNK].
#pragma once

#include <bertcpp/detail/tokenizer/normalizer.h>
#include <bertcpp/tokenizer/vocab.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertcpp {

struct WordPieceToken {
  int32_t id;
  uint32_t first, last;  // range of the word's normalized characters this piece covers
};

class WordPiece {
 public:
  WordPiece(const Vocab& vocab, size_t max_input_chars_per_word);

  // Appends the pieces of the word chars[0, n) to out. The scratch buffers are reused so that no
  // vocab probe builds a string.
  // `vocab` must be the one given to the constructor (passed, not stored, so copies stay valid).
  void tokenize(const Vocab& vocab, const NormalizedChar* chars, uint32_t n, std::vector<WordPieceToken>& out,
                std::string& bytes_scratch, std::vector<uint32_t>& offsets_scratch) const;

 private:
  size_t max_input_chars_per_word_;
  size_t longest_token_bytes_ = 0;  // no probe longer than this can match
};

}  // namespace bertcpp
