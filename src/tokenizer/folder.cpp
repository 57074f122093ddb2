// A model folder's tokenizer files, read together and checked against each other.
#include <bertcpp/detail/tokenizer/folder.h>
#include <bertcpp/detail/tokenizer/tokenizer_json.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bertcpp {

namespace {

namespace fs = std::filesystem;

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error(path.string() + ": not a valid JSON object");
  return j;
}

// special_tokens_map.json / tokenizer_config.json name a token as "[CLS]" or {"content": "[CLS]", ...}.
void check_special(const nlohmann::json& config, const fs::path& path) {
  const std::pair<const char*, const char*> expected[] = {
      {"unk_token", "[UNK]"}, {"sep_token", "[SEP]"}, {"pad_token", "[PAD]"}, {"cls_token", "[CLS]"}, {"mask_token", "[MASK]"}};
  for (const auto& [key, want] : expected) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) continue;
    std::string name;
    if (it->is_string()) name = it->get<std::string>();
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) name = (*it)["content"].get<std::string>();
    else throw std::runtime_error(path.string() + ": " + key + " must be a token string, got " + it->dump().substr(0, 80));
    if (name != want)
      throw std::runtime_error(path.string() + ": " + key + " is \"" + name + "\"; this WordPiece tokenizer uses " + want);
  }
}

}  // namespace

FolderTokenizerConfig read_tokenizer_config(const std::string& model_dir) {
  FolderTokenizerConfig c;
  const fs::path config_path = fs::path(model_dir) / "tokenizer_config.json";
  if (auto config = read_json(config_path)) {
    if (auto it = config->find("do_lower_case"); it != config->end() && it->is_boolean()) c.do_lower_case = it->get<bool>();
    if (auto it = config->find("model_max_length"); it != config->end() && it->is_number()) {
      const double v = it->get<double>();
      if (v >= 2 && v < 1e9) c.model_max_length = static_cast<size_t>(v);
    }
    check_special(*config, config_path);
  }
  const fs::path map_path = fs::path(model_dir) / "special_tokens_map.json";
  if (auto map = read_json(map_path)) check_special(*map, map_path);
  return c;
}

bool folder_is_lowercase(const std::string& model_dir) {
  if (auto lower = read_tokenizer_config(model_dir).do_lower_case) return *lower;
  const fs::path json_path = fs::path(model_dir) / "tokenizer.json";
  std::error_code ec;
  if (fs::is_regular_file(json_path, ec)) return read_tokenizer_json(json_path.string()).options.lowercase;
  // Google's checkpoints say it in the name: cased_L-12_H-768_A-12 vs uncased_L-12_H-768_A-12.
  std::string name = fs::path(model_dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(model_dir).lexically_normal().parent_path().filename().string();
  const bool says_cased = name.find("cased") != std::string::npos && name.find("uncased") == std::string::npos;
  return !says_cased;
}

Tokenizer load_folder_tokenizer(const std::string& model_dir, const TokenizerOptions& requested) {
  const fs::path dir(model_dir);
  std::error_code ec;
  const bool has_vocab = fs::is_regular_file(dir / "vocab.txt", ec);
  const bool has_json = fs::is_regular_file(dir / "tokenizer.json", ec);
  if (!has_vocab && !has_json)
    throw std::runtime_error(model_dir + ": no tokenizer found (looked for vocab.txt and tokenizer.json)");
  const FolderTokenizerConfig config = read_tokenizer_config(model_dir);

  TokenizerOptions options = requested;
  if (!has_json) {
    options.lowercase = requested.lowercase && folder_is_lowercase(model_dir);
    return Tokenizer((dir / "vocab.txt").string(), options);
  }
  const TokenizerFile file = read_tokenizer_json((dir / "tokenizer.json").string());
  if (config.do_lower_case && *config.do_lower_case != file.options.lowercase)
    throw std::runtime_error(model_dir + ": tokenizer_config.json says do_lower_case = " +
                             (*config.do_lower_case ? "true" : "false") + " but tokenizer.json's normalizer lowercase = " +
                             (file.options.lowercase ? "true" : "false"));
  options.lowercase = requested.lowercase && file.options.lowercase;
  if (!options.strip_accents && file.options.strip_accents) options.strip_accents = file.options.strip_accents;
  options.clean_text = requested.clean_text && file.options.clean_text;
  options.tokenize_chinese_chars = requested.tokenize_chinese_chars && file.options.tokenize_chinese_chars;
  options.max_input_chars_per_word = file.options.max_input_chars_per_word;
  if (has_vocab) {
    const Vocab vocab = Vocab::from_file((dir / "vocab.txt").string());
    const std::string difference = compare_vocab(file, vocab);
    if (!difference.empty())
      throw std::runtime_error(model_dir + ": vocab.txt and tokenizer.json disagree: " + difference);
    return Tokenizer(vocab, options);
  }
  return Tokenizer(Vocab::from_tokens(file.vocab, file.source), options);
}

}  // namespace bertcpp
