// tokenizer.json text -> a WordPiece tokenizer. A rejection names the file; an accepted file
// must build a Tokenizer that encodes a fixed text (or refuse it with a named error) and whose
// ids all lie in its vocabulary.
#include "fuzz_support.h"

#include <bertcpp/detail/tokenizer/tokenizer_json.h>

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bertcpp::fuzz::check;
  const std::string text(reinterpret_cast<const char*>(data), size);
  bertcpp::TokenizerFile file;
  try {
    file = bertcpp::parse_tokenizer_json(text, "fuzz-tokenizer.json");
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-tokenizer.json");
    return 0;
  }
  check(!file.vocab.empty(), "accepted a tokenizer.json without a vocabulary");
  try {
    const bertcpp::Tokenizer tok(bertcpp::Vocab::from_tokens(file.vocab, file.source), file.options);
    const bertcpp::Encoding e = tok.encode_pair("Hello, [MASK] world! caf\xC3\xA9 \xE6\x9D\xB1", "unaffable [SEP]", 32);
    for (int32_t id : e.ids) check(id >= 0 && static_cast<size_t>(id) < file.vocab.size(), "id outside the vocabulary");
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-tokenizer.json");  // e.g. no [CLS] in the vocab
  }
  return 0;
}
