#include <bertcpp/tokenizer/pair_marker.h>

namespace bertcpp {

TextInput split_pair(std::string text) {
  const std::string marker = " ||| ";
  const size_t at = text.rfind(marker);
  if (at == std::string::npos) return {std::move(text), std::nullopt};
  return {text.substr(0, at), text.substr(at + marker.size())};
}

}  // namespace bertcpp
