#include <bertcpp/tokenizer/vocab.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bertcpp {

Vocab Vocab::from_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("vocab file " + path + ": is a directory; give the vocab.txt inside it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("vocab file " + path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  if (data.empty()) throw std::runtime_error("vocab file " + path + ": empty, expected one token per line");

  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    const size_t next = end == std::string::npos ? data.size() : end + 1;
    if (end == std::string::npos) end = data.size();
    size_t stop = end;
    if (end != data.size() && stop > start && data[stop - 1] == '\r') --stop;  // \r\n line end
    tokens.emplace_back(data, start, stop - start);
    start = next;
  }
  return from_tokens(std::move(tokens), path);
}

Vocab Vocab::from_tokens(std::vector<std::string> tokens, const std::string& source) {
  if (tokens.empty()) throw std::runtime_error("vocab " + source + ": no tokens");
  Vocab v;
  v.tokens_ = std::move(tokens);
  v.source_ = source;
  v.build_index();
  v.unk_id_ = v.find("[UNK]").value_or(-1);
  if (v.unk_id_ < 0) throw std::runtime_error("vocab " + source + ": has no [UNK] token");
  v.cls_id_ = v.find("[CLS]").value_or(-1);
  v.sep_id_ = v.find("[SEP]").value_or(-1);
  v.pad_id_ = v.find("[PAD]").value_or(-1);
  v.mask_id_ = v.find("[MASK]").value_or(-1);
  return v;
}

uint64_t Vocab::hash(std::string_view s) {
  // FNV-1a over 8-byte words then bytes: cheap for the short strings a vocab holds.
  uint64_t h = 1469598103934665603ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 1099511628211ULL;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ULL;
  h ^= h >> 32;
  return h;
}

void Vocab::build_index() {
  size_t capacity = 16;
  while (capacity < tokens_.size() * 2) capacity <<= 1;
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (size_t id = 0; id < tokens_.size(); ++id) {
    uint64_t pos = hash(tokens_[id]) & mask_;
    while (true) {
      int32_t& slot = slots_[pos];
      if (slot == 0) {
        slot = static_cast<int32_t>(id) + 1;
        break;
      }
      if (tokens_[slot - 1] == tokens_[id]) {  // duplicate line: the later id wins
        slot = static_cast<int32_t>(id) + 1;
        break;
      }
      pos = (pos + 1) & mask_;
    }
  }
}

std::optional<int32_t> Vocab::find(std::string_view token) const {
  uint64_t pos = hash(token) & mask_;
  while (true) {
    const int32_t slot = slots_[pos];
    if (slot == 0) return std::nullopt;
    const std::string& candidate = tokens_[slot - 1];
    if (candidate.size() == token.size() && std::memcmp(candidate.data(), token.data(), token.size()) == 0)
      return slot - 1;
    pos = (pos + 1) & mask_;
  }
}

int32_t Vocab::id_or_unk(std::string_view token) const { return find(token).value_or(unk_id_); }

const std::string& Vocab::token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size())
    throw std::out_of_range("vocab " + source_ + ": id " + std::to_string(id) + " outside [0, " +
                            std::to_string(tokens_.size()) + ")");
  return tokens_[id];
}

}  // namespace bertcpp
