// Arbitrary bytes -> Tokenizer (bert-base vocab), cased and uncased, single texts and pairs,
// with and without truncation. Checks the Encoding's invariants, not only the absence of crashes.
//
// Input layout: byte 0 = flags (bit 0 cased, bit 1 pair, bit 2 truncate, bit 3 also encode_batch),
// byte 1 = max_length when truncating, byte 2 = where a pair's texts split (fraction of the rest).
#include "fuzz_support.h"

#include <bertcpp/tokenizer/tokenizer.h>

#include <memory>
#include <stdexcept>

namespace {

using bertcpp::fuzz::check;

std::unique_ptr<bertcpp::Tokenizer> uncased, cased;

void check_encoding(const bertcpp::Tokenizer& tok, const bertcpp::Encoding& e, bool pair,
                    std::optional<size_t> max_length, size_t bytes_a, size_t bytes_b) {
  const size_t n = e.ids.size();
  check(e.type_ids.size() == n && e.attention_mask.size() == n && e.tokens.size() == n && e.offsets.size() == n,
        "Encoding fields differ in length");
  check(n >= (pair ? 3u : 2u), "special tokens missing");
  check(e.ids.front() == tok.vocab().cls_id() && e.ids.back() == tok.vocab().sep_id(), "[CLS]/[SEP] not at the ends");
  if (max_length && *max_length >= (pair ? 3u : 2u)) check(n <= *max_length, "longer than max_length");
  bool in_b = false;
  for (size_t i = 0; i < n; ++i) {
    check(e.ids[i] >= 0 && static_cast<size_t>(e.ids[i]) < tok.vocab().size(), "id outside the vocab");
    check(tok.vocab().token(e.ids[i]) == e.tokens[i], "token differs from vocab entry of its id");
    check(e.attention_mask[i] == 1, "attention mask is not all 1");
    check(e.type_ids[i] == 0 || e.type_ids[i] == 1, "type id not 0/1");
    if (e.type_ids[i] == 1) in_b = true;
    check(!in_b || e.type_ids[i] == 1, "type ids not 0s then 1s");
    const auto [start, end] = e.offsets[i];
    check(start <= end, "offset range reversed");
    // Offsets count code points, which never outnumber bytes.
    check(end <= (e.type_ids[i] == 1 ? bytes_b : bytes_a), "offset past the end of the text");
  }
  check(in_b == pair, "type ids of a pair / single text");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  bertcpp::TokenizerOptions lower;
  bertcpp::TokenizerOptions keep_case;
  keep_case.lowercase = false;
  uncased = std::make_unique<bertcpp::Tokenizer>(BERTCPP_FUZZ_VOCAB, lower);
  cased = std::make_unique<bertcpp::Tokenizer>(BERTCPP_FUZZ_VOCAB, keep_case);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t flags = data[0];
  const bertcpp::Tokenizer& tok = (flags & 1) ? *cased : *uncased;
  const bool pair = flags & 2;
  const std::optional<size_t> max_length = (flags & 4) ? std::optional<size_t>(data[1]) : std::nullopt;
  const std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);
  const size_t split = text.size() * data[2] / 256;
  const std::string_view a = pair ? text.substr(0, split) : text;
  const std::string_view b = pair ? text.substr(split) : std::string_view();

  bertcpp::Encoding e;
  try {
    e = pair ? tok.encode_pair(a, b, max_length) : tok.encode(a, max_length);
  } catch (const std::invalid_argument&) {
    // Documented: a max_length too small for the special tokens.
    check(max_length && *max_length < (pair ? 3u : 2u), "invalid_argument for a usable max_length");
    return 0;
  }
  check_encoding(tok, e, pair, max_length, a.size(), b.size());

  if (!pair && !max_length) {
    const std::vector<std::string> pieces = tok.tokenize(a);
    check(pieces.size() + 2 == e.tokens.size(), "tokenize() and encode() disagree on the count");
    for (size_t i = 0; i < pieces.size(); ++i) check(pieces[i] == e.tokens[i + 1], "tokenize() and encode() disagree");
  }
  if (flags & 8) {
    std::vector<bertcpp::TextInput> inputs(2);
    inputs[0].a = std::string(a);
    if (pair) inputs[0].b = std::string(b);
    inputs[1] = inputs[0];
    const auto batch = tok.encode_batch(inputs, max_length, 2);
    check(batch.size() == 2, "encode_batch lost an input");
    for (const auto& be : batch) check(be.ids == e.ids && be.offsets == e.offsets, "encode_batch differs from encode");
  }
  return 0;
}
