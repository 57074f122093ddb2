#include <bertcpp/tokenizer/pair_marker.h>

namespace bertcpp {

namespace {
const std::string kMarker = " ||| ";
}

TextInput split_pair(std::string text) {
  const size_t at = text.rfind(kMarker);
  if (at == std::string::npos) return {std::move(text), std::nullopt};
  return {text.substr(0, at), text.substr(at + kMarker.size())};
}

std::string join_pair(const TextInput& input) { return input.b ? input.a + kMarker + *input.b : input.a; }

}  // namespace bertcpp
