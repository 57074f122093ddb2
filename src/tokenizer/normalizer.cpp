#include <bertcpp/detail/tokenizer/normalizer.h>
#include <bertcpp/detail/tokenizer/unicode.h>

#include <algorithm>
#include <vector>

namespace bertcpp {
namespace {

void push_lowercased(std::vector<NormalizedChar>& out, char32_t c, uint32_t source, bool lowercase, uint8_t f) {
  if (!lowercase || !(f & unicode::kHasLowercase)) {
    out.push_back({c, source});
    return;
  }
  char32_t mapped[unicode::kMaxMappingLength];
  const size_t n = unicode::lowercase(c, mapped);
  // Every character of a multi-character lowercase (U+0130 -> i + U+0307) keeps the source.
  for (size_t k = 0; k < n; ++k) out.push_back({mapped[k], source});
}

// Canonical ordering (UAX #15): stable sort of each run of non-starters by combining class. HF
// reorders the characters but leaves the alignments where they were, so only `c` moves.
// Runs are usually a mark or two (insertion sort); a long crafted run ("a" and a million
// accents) is counting-sorted, so the whole text stays linear.
void reorder_marks(NormalizedChar* chars, size_t n) {
  constexpr size_t kShortRun = 8;
  thread_local std::vector<char32_t> sorted;
  size_t i = 0;
  while (i < n) {
    if (unicode::combining_rank(chars[i].c) == 0) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < n && unicode::combining_rank(chars[end].c) != 0) ++end;
    if (end - i <= kShortRun) {
      for (size_t a = i + 1; a < end; ++a) {
        const char32_t c = chars[a].c;
        const uint8_t rank = unicode::combining_rank(c);
        size_t b = a;
        while (b > i && unicode::combining_rank(chars[b - 1].c) > rank) {
          chars[b].c = chars[b - 1].c;
          --b;
        }
        chars[b].c = c;
      }
    } else {
      size_t start[257] = {};
      for (size_t a = i; a < end; ++a) ++start[unicode::combining_rank(chars[a].c) + 1];
      for (size_t r = 1; r < 257; ++r) start[r] += start[r - 1];
      sorted.resize(end - i);
      for (size_t a = i; a < end; ++a) sorted[start[unicode::combining_rank(chars[a].c)]++] = chars[a].c;
      for (size_t a = i; a < end; ++a) chars[a].c = sorted[a - i];
      if (sorted.capacity() > (size_t{1} << 20)) std::vector<char32_t>().swap(sorted);
    }
    i = end;
  }
}

}  // namespace

void Normalizer::normalize(const char32_t* text, uint32_t first, uint32_t last, std::vector<NormalizedChar>& out,
                           std::vector<NormalizedChar>& scratch) const {
  const NormalizerOptions& o = options_;
  // Without accent stripping every step is per character: write straight to out.
  std::vector<NormalizedChar>& stage = o.strip_accents ? scratch : out;
  if (o.strip_accents) scratch.clear();
  const bool lower_now = o.lowercase && !o.strip_accents;

  for (uint32_t i = first; i < last; ++i) {
    char32_t c = text[i];
    uint8_t f = unicode::flags(c);
    if (o.clean_text) {
      if (f & unicode::kRemoved) continue;  // removed characters do not split words
      if (f & unicode::kCleanWhitespace) {
        c = U' ';
        f = unicode::flags(c);
      }
    }
    const bool chinese = o.handle_chinese_chars && (f & unicode::kChinese);
    if (chinese) stage.push_back({U' ', i});
    if (o.strip_accents && (f & unicode::kHasDecomposition || (c >= 0xAC00 && c <= 0xD7A3))) {
      char32_t parts[unicode::kMaxMappingLength];
      const size_t n = unicode::decompose(c, parts);
      for (size_t k = 0; k < n; ++k) stage.push_back({parts[k], i});
    } else {
      push_lowercased(stage, c, i, lower_now, f);
    }
    if (chinese) stage.push_back({U' ', i});
  }
  if (!o.strip_accents) return;

  reorder_marks(scratch.data(), scratch.size());
  for (const NormalizedChar& nc : scratch) {
    const uint8_t f = unicode::flags(nc.c);
    if (f & unicode::kNonspacingMark) continue;
    push_lowercased(out, nc.c, nc.source, o.lowercase, f);
  }
}

}  // namespace bertcpp
