// Per-code-point properties exactly as Hugging Face tokenizers 0.22's BERT normalizer and
// pre-tokenizer see them. The tables (src/tokenizer/unicode_tables.inc) are measured on the
// reference by tools/unicode/generate_tables.js: HF mixes Unicode-8-era General_Category tables
// with modern White_Space/lowercase tables, which no single UCD version reproduces.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bertcpp::unicode {

enum Flag : uint8_t {
  kRemoved = 1,           // clean_text drops it: NUL, U+FFFD, Cc (but \t\n\r), Cf, Co
  kCleanWhitespace = 2,   // clean_text turns it into ' ': Rust char::is_whitespace or \t\n\r
  kSplitWhitespace = 4,   // the pre-tokenizer splits on it and drops it (Rust char::is_whitespace)
  kPunctuation = 8,       // the pre-tokenizer isolates it (ASCII punctuation or P*)
  kChinese = 16,          // handle_chinese_chars surrounds it with spaces
  kNonspacingMark = 32,   // strip_accents drops it after NFD (Mn)
  kHasLowercase = 64,     // lowercase changes it
  kHasDecomposition = 128 // NFD changes it (Hangul syllables are decomposed algorithmically)
};

uint8_t flags(char32_t c);

// Canonical combining class as a rank that orders like the class; 0 for starters.
uint8_t combining_rank(char32_t c);

// Writes the full lowercase mapping (1-3 code points) into out and returns its length.
size_t lowercase(char32_t c, char32_t* out);

// Writes the full canonical decomposition (1-4 code points) into out and returns its length.
size_t decompose(char32_t c, char32_t* out);

inline constexpr size_t kMaxMappingLength = 4;

}  // namespace bertcpp::unicode
