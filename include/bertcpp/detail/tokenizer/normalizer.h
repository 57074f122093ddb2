// Hugging Face BertNormalizer: clean_text, handle_chinese_chars, strip_accents (NFD, then drop Mn),
// lowercase, in that order, keeping for every output character the original code point it came
// from (HF's alignments, in code points).
#pragma once

#include <cstdint>
#include <vector>

namespace bertcpp {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

struct NormalizedChar {
  char32_t c;
  uint32_t source;  // index of the original code point this character stands for
};

class Normalizer {
 public:
  explicit Normalizer(NormalizerOptions options) : options_(options) {}

  // Appends the normalized form of text[first, last) to out; text indices become `source`.
  // `scratch` is reused between calls so that nothing is allocated per character.
  void normalize(const char32_t* text, uint32_t first, uint32_t last, std::vector<NormalizedChar>& out,
                 std::vector<NormalizedChar>& scratch) const;

 private:
  NormalizerOptions options_;
};

}  // namespace bertcpp
