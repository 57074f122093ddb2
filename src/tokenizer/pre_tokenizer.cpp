#include <bertcpp/detail/tokenizer/pre_tokenizer.h>
#include <bertcpp/detail/tokenizer/unicode.h>

#include <algorithm>

namespace bertcpp {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  // The special tokens of bert-base-uncased's tokenizer.json, matched only if the vocab has them.
  for (const char* name : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    if (auto id = vocab.find(name)) {
      std::u32string text;
      for (const char* p = name; *p; ++p) text.push_back(static_cast<char32_t>(*p));
      specials_.push_back({std::move(text), *id});
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });
}

void SpecialTokenMatcher::split(const char32_t* text, uint32_t n, std::vector<RawSegment>& out) const {
  out.clear();
  uint32_t plain_start = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (text[i] != U'[') continue;  // every special token starts with '['
    for (const Special& s : specials_) {
      const uint32_t len = static_cast<uint32_t>(s.text.size());
      if (n - i >= len && std::equal(s.text.begin(), s.text.end(), text + i)) {
        if (plain_start < i) out.push_back({plain_start, i, -1});
        out.push_back({i, i + len, s.id});
        i += len - 1;
        plain_start = i + 1;
        break;
      }
    }
  }
  if (plain_start < n) out.push_back({plain_start, n, -1});
}

void split_words(const std::vector<NormalizedChar>& chars, uint32_t first, uint32_t last, std::vector<WordSpan>& out) {
  uint32_t word_start = first;
  for (uint32_t i = first; i < last; ++i) {
    const uint8_t f = unicode::flags(chars[i].c);
    if (f & (unicode::kSplitWhitespace | unicode::kPunctuation)) {
      if (word_start < i) out.push_back({word_start, i});
      if (f & unicode::kPunctuation) out.push_back({i, i + 1});
      word_start = i + 1;
    }
  }
  if (word_start < last) out.push_back({word_start, last});
}

}  // namespace bertcpp
