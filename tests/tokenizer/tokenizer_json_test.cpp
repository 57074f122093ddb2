// tokenizer.json (Hugging Face's fast-tokenizer file): a folder with only tokenizer.json
// tokenizes like the golden files (Hugging Face tokenizers' own output, uncased and cased);
// vocab.txt and tokenizer.json must agree; unsupported parts are named.
#include <bertcpp/detail/tokenizer/folder.h>
#include <bertcpp/detail/tokenizer/tokenizer_json.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace bertcpp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDir = std::string(BERTCPP_TEST_DATA) + "/tokenizer/";

std::vector<std::string> vocab_lines() {
  std::vector<std::string> out;
  std::ifstream in(kDir + "vocab.txt");
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The layout BertTokenizerFast writes (HF tokenizers 0.22), from tests/data/tokenizer/vocab.txt.
json standard_tokenizer_json(bool lowercase) {
  json vocab = json::object();
  const std::vector<std::string> lines = vocab_lines();
  for (size_t i = 0; i < lines.size(); ++i) vocab[lines[i]] = i;
  json added = json::array();
  for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
    added.push_back({{"id", vocab[t]}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  auto special = [](const char* id, int type) { return json{{"SpecialToken", {{"id", id}, {"type_id", type}}}}; };
  auto sequence = [](const char* id, int type) { return json{{"Sequence", {{"id", id}, {"type_id", type}}}}; };
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer",
           {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true}, {"strip_accents", nullptr},
            {"lowercase", lowercase}}},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
            {"pair", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)}}}},
          {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
          {"model",
           {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
            {"max_input_chars_per_word", 100}, {"vocab", vocab}}}};
}

class Folder {
 public:
  Folder() {
    static int counter = 0;
    path_ = fs::path(::testing::TempDir()) / ("bertcpp-tokjson-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }

 private:
  fs::path path_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}

// Every `every`-th golden record of `file` through `tok`.
void expect_golden(const Tokenizer& tok, const std::string& file, size_t every) {
  std::ifstream in(kDir + file);
  size_t n = 0, checked = 0;
  for (std::string line; std::getline(in, line); ++n) {
    if (n % every != 0) continue;
    const json record = json::parse(line);
    if (record.contains("text_b") || record.contains("max_length")) continue;
    const Encoding e = tok.encode(record["text"].get<std::string>());
    EXPECT_EQ(e.ids, record["ids"].get<std::vector<int32_t>>()) << file << ": " << record["text"];
    ++checked;
  }
  EXPECT_GT(checked, 50u) << file;
}

TEST(TokenizerJson, AFolderWithOnlyTokenizerJsonMatchesTheGoldenFiles) {
  Folder uncased;
  uncased.write("tokenizer.json", standard_tokenizer_json(true).dump());
  expect_golden(load_folder_tokenizer(uncased.path()), "uncased_single.jsonl", 7);
  Folder cased;
  cased.write("tokenizer.json", standard_tokenizer_json(false).dump());
  const Tokenizer tok = load_folder_tokenizer(cased.path());
  EXPECT_FALSE(tok.options().lowercase);
  expect_golden(tok, "cased_single.jsonl", 3);
}

TEST(TokenizerJson, BothFilesMustAgreeAndTheErrorSaysHow) {
  Folder f;
  fs::copy_file(kDir + "vocab.txt", f.path() + "/vocab.txt");
  json file = standard_tokenizer_json(true);
  f.write("tokenizer.json", file.dump());
  EXPECT_EQ(load_folder_tokenizer(f.path()).vocab().size(), vocab_lines().size());
  // One token renamed in tokenizer.json.
  file["model"]["vocab"].erase("hello");
  file["model"]["vocab"]["hallo"] = 7592;
  f.write("tokenizer.json", file.dump());
  EXPECT_EQ(error_of([&] { load_folder_tokenizer(f.path()); }),
            f.path() + ": vocab.txt and tokenizer.json disagree: id 7592 is \"hallo\" in " + f.path() +
                "/tokenizer.json but \"hello\" in " + f.path() + "/vocab.txt");
  // Lower-casing: tokenizer_config.json against the normalizer.
  f.write("tokenizer.json", standard_tokenizer_json(true).dump());
  f.write("tokenizer_config.json", R"({"do_lower_case": false})");
  EXPECT_EQ(error_of([&] { load_folder_tokenizer(f.path()); }),
            f.path() + ": tokenizer_config.json says do_lower_case = false but tokenizer.json's normalizer lowercase = true");
}

TEST(TokenizerJson, UnsupportedPartsAreNamed) {
  const std::string src = "tokenizer.json";
  auto error = [&](const std::function<void(json&)>& edit) {
    json j = standard_tokenizer_json(true);
    edit(j);
    return error_of([&] { parse_tokenizer_json(j.dump(), src); });
  };
  EXPECT_EQ(error([](json& j) { j["model"]["type"] = "BPE"; }),
            "tokenizer.json: model.type \"BPE\" is not supported; only WordPiece (BERT-style) is");
  EXPECT_EQ(error([](json& j) { j["model"]["continuing_subword_prefix"] = "@@"; }),
            "tokenizer.json: model.continuing_subword_prefix \"@@\" is not supported; only \"##\" is");
  EXPECT_EQ(error([](json& j) { j["normalizer"]["type"] = "NFC"; }),
            "tokenizer.json: normalizer.type \"NFC\" is not supported; only BertNormalizer is");
  EXPECT_EQ(error([](json& j) { j["pre_tokenizer"]["type"] = "Whitespace"; }),
            "tokenizer.json: pre_tokenizer.type \"Whitespace\" is not supported; only BertPreTokenizer is");
  EXPECT_EQ(error([](json& j) { j["post_processor"]["single"].erase(0); }),
            "tokenizer.json: post_processor.single is \"$A:0 [SEP]:0\"; only \"[CLS]:0 $A:0 [SEP]:0\" is supported");
  EXPECT_EQ(error([](json& j) { j["added_tokens"].push_back({{"id", 1}, {"content", "<new>"}}); }),
            "tokenizer.json: added token \"<new>\" is not supported; only [PAD] [UNK] [CLS] [SEP] [MASK] are");
  EXPECT_EQ(error([](json& j) { j["model"]["vocab"]["hello"] = 0; }),
            "tokenizer.json: model.vocab ids must be 0..30521, each once; \"hello\" has 0");
  EXPECT_EQ(error_of([&] { parse_tokenizer_json("{", src); }), "tokenizer.json: not valid JSON");
  // A field of the wrong JSON type is named, not left to the JSON library's type_error.
  EXPECT_EQ(error([](json& j) { j["model"]["unk_token"] = 5; }), "tokenizer.json: model.unk_token must be a string, got 5");
  EXPECT_EQ(error([](json& j) { j["post_processor"]["single"][0]["SpecialToken"]["type_id"] = "x"; }),
            "tokenizer.json: post_processor template piece {\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":\"x\"}} has "
            "type_id \"x\"; expected 0 or 1");
  EXPECT_EQ(error([](json& j) { j["post_processor"]["pair"][3]["Sequence"]["type_id"] = 1e300; }),
            "tokenizer.json: post_processor template piece {\"Sequence\":{\"id\":\"B\",\"type_id\":1e+300}} has type_id "
            "1e+300; expected 0 or 1");
  // BertProcessing is the older way of writing the same template.
  json j = standard_tokenizer_json(true);
  j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
  EXPECT_EQ(parse_tokenizer_json(j.dump(), src).vocab.size(), 30522u);
  j["model"]["max_input_chars_per_word"] = 5;
  EXPECT_EQ(parse_tokenizer_json(j.dump(), src).options.max_input_chars_per_word, 5u);
}

TEST(TokenizerJson, ConfigFilesGiveModelMaxLengthAndCheckSpecialTokens) {
  Folder f;
  f.write("tokenizer_config.json", R"({"do_lower_case": true, "model_max_length": 128, "cls_token": "[CLS]"})");
  const FolderTokenizerConfig c = read_tokenizer_config(f.path());
  EXPECT_EQ(c.model_max_length, 128u);
  EXPECT_EQ(c.do_lower_case, true);
  f.write("tokenizer_config.json", R"({"model_max_length": 1000000000000000019884624838656})");
  EXPECT_FALSE(read_tokenizer_config(f.path()).model_max_length.has_value());
  f.write("special_tokens_map.json", R"({"cls_token": {"content": "<s>"}})");
  EXPECT_EQ(error_of([&] { read_tokenizer_config(f.path()); }),
            f.path() + "/special_tokens_map.json: cls_token is \"<s>\"; this WordPiece tokenizer uses [CLS]");
  Folder empty;
  EXPECT_EQ(error_of([&] { load_folder_tokenizer(empty.path()); }),
            empty.path() + ": no tokenizer found (looked for vocab.txt and tokenizer.json)");
}

}  // namespace
}  // namespace bertcpp
