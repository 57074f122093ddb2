#include <bertcpp/detail/tokenizer/unicode.h>

#include <algorithm>
#include <array>
#include <vector>

namespace bertcpp::unicode {
namespace {

struct FlagRange {
  char32_t first, last;
  uint8_t flags;
};
struct CccRange {
  char32_t first, last;
  uint8_t rank;
};
struct Mapping {
  char32_t code_point;
  uint32_t offset;
  uint8_t length;
};

#include "unicode_tables.inc"

// Two-stage lookup (256-code-point blocks, identical blocks shared) built once from the ranges:
// one load per character in the hot loop instead of a binary search.
class ByteTable {
 public:
  template <typename Range, size_t N, typename Value>
  ByteTable(const Range (&ranges)[N], Value Range::*value) {
    std::vector<uint8_t> flat(0x110000, 0);
    for (const Range& r : ranges)
      std::fill(flat.begin() + r.first, flat.begin() + r.last + 1, static_cast<uint8_t>(r.*value));
    index_.resize(0x110000 >> 8);
    for (size_t block = 0; block < index_.size(); ++block) {
      const uint8_t* data = flat.data() + (block << 8);
      size_t found = blocks_.size() / 256;
      for (size_t b = 0; b * 256 < blocks_.size(); ++b)
        if (std::equal(data, data + 256, blocks_.begin() + b * 256)) {
          found = b;
          break;
        }
      if (found == blocks_.size() / 256) blocks_.insert(blocks_.end(), data, data + 256);
      index_[block] = static_cast<uint16_t>(found);
    }
  }
  uint8_t operator()(char32_t c) const {
    if (c >= 0x110000) return 0;
    return blocks_[(static_cast<size_t>(index_[c >> 8]) << 8) | (c & 0xFF)];
  }

 private:
  std::vector<uint16_t> index_;
  std::vector<uint8_t> blocks_;
};

const ByteTable& flag_table() {
  static const ByteTable table(kFlagRanges, &FlagRange::flags);
  return table;
}
const ByteTable& ccc_table() {
  static const ByteTable table(kCccRanges, &CccRange::rank);
  return table;
}

// Made when the library loads: made lazily, a fork from another thread during the first call
// would copy a half-made static (its guard taken) into a child that then waits on it forever.
[[maybe_unused]] const bool tables_made_at_load = (flag_table(), ccc_table(), true);

template <size_t N, size_t M>
size_t copy_mapping(const Mapping (&table)[N], const char32_t (&pool)[M], char32_t c, char32_t* out) {
  const Mapping* it = std::lower_bound(std::begin(table), std::end(table), c,
                                       [](const Mapping& m, char32_t v) { return m.code_point < v; });
  if (it == std::end(table) || it->code_point != c) {
    out[0] = c;
    return 1;
  }
  std::copy(pool + it->offset, pool + it->offset + it->length, out);
  return it->length;
}

}  // namespace

uint8_t flags(char32_t c) {
  static const ByteTable& table = flag_table();
  return table(c);
}

uint8_t combining_rank(char32_t c) {
  if (c < 0x300) return 0;
  static const ByteTable& table = ccc_table();
  return table(c);
}

size_t lowercase(char32_t c, char32_t* out) {
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return 1;
  }
  return copy_mapping(kLowercase, kLowercasePool, c, out);
}

size_t decompose(char32_t c, char32_t* out) {
  constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
  constexpr char32_t kTCount = 28, kNCount = 588, kSCount = 11172;
  if (c >= kSBase && c < kSBase + kSCount) {  // Hangul syllable, Unicode 15 section 3.12
    const char32_t s = c - kSBase;
    out[0] = kLBase + s / kNCount;
    out[1] = kVBase + (s % kNCount) / kTCount;
    if (s % kTCount == 0) return 2;
    out[2] = kTBase + s % kTCount;
    return 3;
  }
  return copy_mapping(kDecomposition, kDecompositionPool, c, out);
}

}  // namespace bertcpp::unicode
