// UTF-8 <-> code points, the way Google BERT's convert_to_unicode(text, "ignore") reads bytes:
// every byte that is not part of a well-formed sequence is dropped (overlongs, surrogates,
// > U+10FFFF, stray continuation bytes, truncated sequences), the rest is kept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bertcpp::utf8 {

// Replaces `out` with the code points of the well-formed sequences of `text`.
void decode(std::string_view text, std::vector<char32_t>& out);

// The well-formed sequence starting at text[i]: its length (1-4) with the code point in `c`,
// or 0 when text[i] starts none (decode drops that one byte and tries the next).
size_t decode_one(std::string_view text, size_t i, char32_t& c);

// The index of the first byte of `text` that no well-formed sequence holds (decode would drop
// it), or std::string_view::npos when `text` is all well-formed UTF-8.
size_t first_invalid_byte(std::string_view text);

// The length of the longest prefix of `text` of at most `max_bytes` bytes that does not end
// inside a multi-byte sequence (for cutting a text for display).
inline size_t prefix_length(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // text[n] continues a sequence
  return n;
}

// Appends the UTF-8 bytes of one code point (< 0x110000, not a surrogate).
inline void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace bertcpp::utf8
