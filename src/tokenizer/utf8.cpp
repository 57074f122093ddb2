#include <bertcpp/detail/tokenizer/utf8.h>

#include <cstdint>

namespace bertcpp::utf8 {

size_t decode_one(std::string_view text, size_t i, char32_t& c) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  const uint8_t b = s[i];
  if (b < 0x80) {
    c = b;
    return 1;
  }
  // Length and the allowed range of the second byte (Unicode Table 3-7, well-formed UTF-8).
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) len = 2;
  else if (b == 0xE0) len = 3, lo = 0xA0;
  else if (b >= 0xE1 && b <= 0xEC) len = 3;
  else if (b == 0xED) len = 3, hi = 0x9F;  // no surrogates
  else if (b >= 0xEE && b <= 0xEF) len = 3;
  else if (b == 0xF0) len = 4, lo = 0x90;
  else if (b >= 0xF1 && b <= 0xF3) len = 4;
  else if (b == 0xF4) len = 4, hi = 0x8F;  // nothing above U+10FFFF
  bool ok = len != 0 && i + len <= n && s[i + 1] >= lo && s[i + 1] <= hi;
  for (size_t k = 2; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
  if (!ok) return 0;
  c = b & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (s[i + k] & 0x3F);
  return len;
}

size_t first_invalid_byte(std::string_view text) {
  char32_t c;
  for (size_t i = 0; i < text.size();) {
    const size_t len = decode_one(text, i, c);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

void decode(std::string_view text, std::vector<char32_t>& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t c;
    const size_t len = decode_one(text, i, c);
    // A bad byte is dropped alone: a valid sequence never starts on the continuation bytes
    // skipped later, so any valid sequence is read whole wherever decoding starts before it.
    if (len == 0) {
      ++i;
      continue;
    }
    out.push_back(c);
    i += len;
  }
}

}  // namespace bertcpp::utf8
