// vocab.txt: one token per line, id = line index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertcpp {

class Vocab {
 public:
  // Only the line end (\n or \r\n) is stripped; a missing final newline is fine. When a token
  // appears twice, find() returns the later line, as Hugging Face's and Google's loaders do.
  // Throws std::runtime_error naming the file when it is missing, empty or has no [UNK].
  static Vocab from_file(const std::string& path);
  static Vocab from_tokens(std::vector<std::string> tokens, const std::string& source = "<memory>");

  // Looks the bytes up without building a std::string (the WordPiece inner loop calls this).
  std::optional<int32_t> find(std::string_view token) const;
  int32_t id_or_unk(std::string_view token) const;
  // Throws std::out_of_range for an id outside [0, size()).
  const std::string& token(int32_t id) const;
  size_t size() const { return tokens_.size(); }

  int32_t unk_id() const { return unk_id_; }
  int32_t cls_id() const { return cls_id_; }  // -1 when the vocab has no such entry
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t mask_id() const { return mask_id_; }
  const std::vector<std::string>& tokens() const { return tokens_; }
  // Where the vocab came from (file path or "<memory>"), for error messages.
  const std::string& source() const { return source_; }

 private:
  void build_index();
  static uint64_t hash(std::string_view s);

  std::vector<std::string> tokens_;
  // Open addressing, power-of-two size, value = id + 1 (0 = empty). Keys are tokens_[id], so the
  // table stays valid when the Vocab is moved.
  std::vector<int32_t> slots_;
  uint64_t mask_ = 0;
  std::string source_;
  int32_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, mask_id_ = -1;
};

}  // namespace bertcpp
