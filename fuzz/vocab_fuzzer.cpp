// vocab.txt bytes -> Vocab. An accepted vocab must find every one of its tokens at the id of the
// token's last occurrence and map ids back to the same bytes.
#include "fuzz_support.h"

#include <bertcpp/tokenizer/vocab.h>

#include <stdexcept>
#include <unordered_map>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bertcpp::fuzz::check;
  static const std::string path = bertcpp::fuzz::scratch_path("-vocab.txt");
  bertcpp::fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  std::optional<bertcpp::Vocab> vocab;
  try {
    vocab = bertcpp::Vocab::from_file(path);
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, path);
    return 0;
  }
  check(vocab->size() > 0, "accepted vocab is empty");
  check(vocab->unk_id() >= 0 && vocab->token(vocab->unk_id()) == "[UNK]", "unk_id does not name [UNK]");
  std::unordered_map<std::string, int32_t> last;
  for (size_t id = 0; id < vocab->size(); ++id) last[vocab->tokens()[id]] = static_cast<int32_t>(id);
  for (const auto& [token, id] : last) {
    check(vocab->find(token) == id, "find() misses a token or returns an earlier duplicate");
    check(vocab->token(id) == token, "token(id) disagrees with the file");
    check(token.find('\n') == std::string::npos, "a token holds a newline");
  }
  // A token absent from the vocab: one byte longer than the longest.
  size_t longest = 0;
  for (const auto& [token, id] : last) longest = std::max(longest, token.size());
  check(!vocab->find(std::string(longest + 1, 'x')).has_value(), "find() invents a token");
  check(vocab->id_or_unk(std::string(longest + 1, 'x')) == vocab->unk_id(), "id_or_unk of a missing token");
  for (int32_t bad : {-1, static_cast<int32_t>(vocab->size())}) {
    try {
      vocab->token(bad);
      check(false, "token() accepted an id outside the vocab");
    } catch (const std::out_of_range&) {
    }
  }
  return 0;
}
