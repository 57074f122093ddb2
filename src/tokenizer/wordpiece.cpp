#include <bertcpp/detail/tokenizer/utf8.h>
#include <bertcpp/detail/tokenizer/wordpiece.h>

#include <algorithm>
#include <string_view>

namespace bertcpp {

WordPiece::WordPiece(const Vocab& vocab, size_t max_input_chars_per_word)
    : max_input_chars_per_word_(max_input_chars_per_word) {
  for (const std::string& t : vocab.tokens()) longest_token_bytes_ = std::max(longest_token_bytes_, t.size());
}

void WordPiece::tokenize(const Vocab& vocab, const NormalizedChar* chars, uint32_t n, std::vector<WordPieceToken>& out,
                         std::string& bytes, std::vector<uint32_t>& char_offset) const {
  const size_t rollback = out.size();
  if (n > max_input_chars_per_word_) {  // checked before any matching: long words stay linear
    out.push_back({vocab.unk_id(), 0, n});
    return;
  }
  // bytes = "##" + word; char_offset[k] = position of character k in bytes (k = n: the end).
  bytes.assign("##");
  char_offset.clear();
  for (uint32_t k = 0; k < n; ++k) {
    char_offset.push_back(static_cast<uint32_t>(bytes.size()));
    utf8::append(bytes, chars[k].c);
  }
  char_offset.push_back(static_cast<uint32_t>(bytes.size()));

  uint32_t start = 0;
  while (start < n) {
    // A continuation probe is "##" + bytes[start..end): overwrite the two bytes before the piece
    // with "##" (they belong to pieces already emitted and are never read again).
    const uint32_t probe_begin = start == 0 ? char_offset[0] : char_offset[start] - 2;
    if (start > 0) bytes[probe_begin] = bytes[probe_begin + 1] = '#';
    uint32_t end = n;
    while (end > start && char_offset[end] - probe_begin > longest_token_bytes_) --end;
    bool found = false;
    for (; end > start; --end) {
      const std::string_view probe(bytes.data() + probe_begin, char_offset[end] - probe_begin);
      if (auto id = vocab.find(probe)) {
        out.push_back({*id, start, end});
        found = true;
        break;
      }
    }
    if (!found) {
      out.resize(rollback);
      out.push_back({vocab.unk_id(), 0, n});
      return;
    }
    start = end;
  }
}

}  // namespace bertcpp
