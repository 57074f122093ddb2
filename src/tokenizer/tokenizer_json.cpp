#include <bertcpp/detail/tokenizer/tokenizer_json.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bertcpp {

namespace {

using nlohmann::json;

const char* const kSpecials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

[[noreturn]] void fail(const std::string& source, const std::string& what) { throw std::runtime_error(source + ": " + what); }

std::string type_of(const json& j, const std::string& source, const std::string& field) {
  if (!j.is_object()) fail(source, field + " must be an object, got " + j.dump().substr(0, 80));
  auto t = j.find("type");
  if (t == j.end() || !t->is_string()) fail(source, field + " has no \"type\"");
  return t->get<std::string>();
}

bool flag(const json& j, const char* key, bool fallback, const std::string& source, const std::string& field) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(source, field + "." + key + " must be true or false, got " + it->dump());
  return it->get<bool>();
}

// A template piece as text: "[CLS]:0", "$A:0", "$B:1".
std::string piece(const json& p, const std::string& source) {
  if (!p.is_object() || p.size() != 1) fail(source, "post_processor template piece " + p.dump().substr(0, 80) + " is not understood");
  const std::string kind = p.begin().key();
  const json& body = p.begin().value();
  if (!body.is_object() || !body.contains("id") || !body["id"].is_string())
    fail(source, "post_processor template piece " + p.dump().substr(0, 80) + " has no id");
  int type = 0;
  if (auto t = body.find("type_id"); t != body.end() && !t->is_null()) {
    if (!t->is_number_unsigned() || t->get<uint64_t>() > 1)
      fail(source, "post_processor template piece " + p.dump().substr(0, 80) + " has type_id " + t->dump().substr(0, 80) +
                       "; expected 0 or 1");
    type = static_cast<int>(t->get<uint64_t>());
  }
  if (kind == "SpecialToken") return body["id"].get<std::string>() + ":" + std::to_string(type);
  if (kind == "Sequence") return "$" + body["id"].get<std::string>() + ":" + std::to_string(type);
  fail(source, "post_processor template piece kind \"" + kind + "\" is not SpecialToken or Sequence");
}

std::string joined(const json& pieces, const std::string& source, const char* which) {
  if (!pieces.is_array()) fail(source, std::string("post_processor.") + which + " must be a list");
  std::string s;
  for (const json& p : pieces) s += (s.empty() ? "" : " ") + piece(p, source);
  return s;
}

}  // namespace

TokenizerFile parse_tokenizer_json(const std::string& text, const std::string& source) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(source, "not valid JSON");
  if (!j.is_object()) fail(source, "expected a JSON object");
  TokenizerFile file;
  file.source = source;

  // model: WordPiece
  auto model = j.find("model");
  if (model == j.end()) fail(source, "no \"model\"");
  const std::string model_type = type_of(*model, source, "model");
  if (model_type != "WordPiece") fail(source, "model.type \"" + model_type + "\" is not supported; only WordPiece (BERT-style) is");
  std::string unk = "[UNK]";
  if (auto u = model->find("unk_token"); u != model->end() && !u->is_null()) {
    if (!u->is_string()) fail(source, "model.unk_token must be a string, got " + u->dump().substr(0, 80));
    unk = u->get<std::string>();
  }
  if (unk != "[UNK]") fail(source, "model.unk_token \"" + unk + "\" is not supported; only [UNK] is");
  auto prefix = model->find("continuing_subword_prefix");
  if (prefix != model->end() && !prefix->is_null() && (!prefix->is_string() || prefix->get<std::string>() != "##"))
    fail(source, "model.continuing_subword_prefix " + prefix->dump() + " is not supported; only \"##\" is");
  if (auto m = model->find("max_input_chars_per_word"); m != model->end() && !m->is_null()) {
    if (!m->is_number_integer() || m->get<int64_t>() < 1 || m->get<int64_t>() > (int64_t{1} << 30))
      fail(source, "model.max_input_chars_per_word must be a positive integer, got " + m->dump());
    file.options.max_input_chars_per_word = static_cast<size_t>(m->get<int64_t>());
  }
  auto vocab = model->find("vocab");
  if (vocab == model->end() || !vocab->is_object() || vocab->empty()) fail(source, "model.vocab must be a non-empty object token -> id");
  file.vocab.assign(vocab->size(), std::string());
  std::vector<bool> seen(vocab->size(), false);
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    if (!it->is_number_integer()) fail(source, "model.vocab[\"" + it.key() + "\"] is not an integer id");
    const int64_t id = it->get<int64_t>();
    if (id < 0 || id >= static_cast<int64_t>(file.vocab.size()) || seen[static_cast<size_t>(id)])
      fail(source, "model.vocab ids must be 0.." + std::to_string(file.vocab.size() - 1) + ", each once; \"" + it.key() +
                       "\" has " + std::to_string(id));
    seen[static_cast<size_t>(id)] = true;
    file.vocab[static_cast<size_t>(id)] = it.key();
  }

  // normalizer: BertNormalizer (absent: none of its steps)
  auto normalizer = j.find("normalizer");
  if (normalizer == j.end() || normalizer->is_null()) {
    file.options.lowercase = false;
    file.options.strip_accents = false;
    file.options.clean_text = false;
    file.options.tokenize_chinese_chars = false;
  } else {
    const std::string type = type_of(*normalizer, source, "normalizer");
    if (type != "BertNormalizer") fail(source, "normalizer.type \"" + type + "\" is not supported; only BertNormalizer is");
    file.options.clean_text = flag(*normalizer, "clean_text", true, source, "normalizer");
    file.options.tokenize_chinese_chars = flag(*normalizer, "handle_chinese_chars", true, source, "normalizer");
    file.options.lowercase = flag(*normalizer, "lowercase", true, source, "normalizer");
    if (auto s = normalizer->find("strip_accents"); s != normalizer->end() && !s->is_null())
      file.options.strip_accents = flag(*normalizer, "strip_accents", false, source, "normalizer");
  }

  // pre_tokenizer: BertPreTokenizer
  auto pre = j.find("pre_tokenizer");
  if (pre == j.end() || pre->is_null()) fail(source, "no pre_tokenizer; only BertPreTokenizer is supported");
  const std::string pre_type = type_of(*pre, source, "pre_tokenizer");
  if (pre_type != "BertPreTokenizer") fail(source, "pre_tokenizer.type \"" + pre_type + "\" is not supported; only BertPreTokenizer is");

  // post_processor: [CLS] A [SEP] (B [SEP]) either way it is written
  auto post = j.find("post_processor");
  if (post == j.end() || post->is_null()) fail(source, "no post_processor; expected TemplateProcessing or BertProcessing with [CLS]/[SEP]");
  const std::string post_type = type_of(*post, source, "post_processor");
  if (post_type == "TemplateProcessing") {
    const std::string single = joined(post->value("single", json()), source, "single");
    const std::string pair = joined(post->value("pair", json()), source, "pair");
    if (single != "[CLS]:0 $A:0 [SEP]:0")
      fail(source, "post_processor.single is \"" + single + "\"; only \"[CLS]:0 $A:0 [SEP]:0\" is supported");
    if (pair != "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1")
      fail(source, "post_processor.pair is \"" + pair + "\"; only \"[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1\" is supported");
  } else if (post_type == "BertProcessing") {
    for (const char* key : {"cls", "sep"}) {
      auto t = post->find(key);
      const std::string want = key == std::string("cls") ? "[CLS]" : "[SEP]";
      if (t == post->end() || !t->is_array() || t->size() != 2 || !(*t)[0].is_string() || (*t)[0].get<std::string>() != want)
        fail(source, std::string("post_processor.") + key + " must be [\"" + want + "\", id]");
    }
  } else {
    fail(source, "post_processor.type \"" + post_type + "\" is not supported; only TemplateProcessing and BertProcessing are");
  }

  // added_tokens: only the special tokens the WordPiece tokenizer matches, at their vocab ids
  if (auto added = j.find("added_tokens"); added != j.end() && !added->is_null()) {
    if (!added->is_array()) fail(source, "added_tokens must be a list");
    for (const json& t : *added) {
      if (!t.is_object() || !t.contains("content") || !t["content"].is_string() || !t.contains("id") ||
          !t["id"].is_number_integer())
        fail(source, "added_tokens entry " + t.dump().substr(0, 80) + " needs \"id\" and \"content\"");
      const std::string content = t["content"].get<std::string>();
      const int64_t id = t["id"].get<int64_t>();
      bool standard = false;
      for (const char* s : kSpecials) standard = standard || content == s;
      if (!standard)
        fail(source, "added token \"" + content + "\" is not supported; only [PAD] [UNK] [CLS] [SEP] [MASK] are");
      if (id < 0 || id >= static_cast<int64_t>(file.vocab.size()) || file.vocab[static_cast<size_t>(id)] != content)
        fail(source, "added token \"" + content + "\" has id " + std::to_string(id) + " but the vocab puts it elsewhere");
      for (const char* key : {"lstrip", "rstrip", "single_word", "normalized"})
        if (flag(t, key, false, source, "added token " + content))
          fail(source, "added token \"" + content + "\" sets " + key + "; only plain special tokens are supported");
    }
  }
  return file;
}

TokenizerFile read_tokenizer_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_tokenizer_json(buffer.str(), path);
}

std::string compare_vocab(const TokenizerFile& file, const Vocab& vocab) {
  const std::vector<std::string>& a = file.vocab;
  const std::vector<std::string>& b = vocab.tokens();
  for (size_t id = 0; id < std::min(a.size(), b.size()); ++id)
    if (a[id] != b[id])
      return "id " + std::to_string(id) + " is \"" + a[id] + "\" in " + file.source + " but \"" + b[id] + "\" in " +
             vocab.source();
  if (a.size() != b.size())
    return file.source + " has " + std::to_string(a.size()) + " tokens but " + vocab.source() + " has " +
           std::to_string(b.size());
  return "";
}

}  // namespace bertcpp
