// Edge cases of the reference (Hugging Face tokenizers 0.22.2; expectations taken from it through
// the npm binding) and of the C++ API: invalid UTF-8, empty and blank input, special tokens inside
// words, long words, truncation boundaries, options, threads, vocab file errors.
#include <bertcpp/tokenizer/tokenizer.h>
#include <bertcpp/detail/tokenizer/truncation.h>
#include <bertcpp/detail/tokenizer/utf8.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bertcpp::Encoding;
using bertcpp::Tokenizer;
using bertcpp::TokenizerOptions;
using Offsets = std::vector<std::pair<size_t, size_t>>;

const std::string kVocab = std::string(BERTCPP_TEST_DATA) + "/tokenizer/vocab.txt";

const Tokenizer& uncased() {
  static const Tokenizer tok(kVocab);
  return tok;
}

struct Case {
  const char* name;
  std::string text;
  std::vector<std::string> tokens;  // without [CLS]/[SEP]
  Offsets offsets;                  // without [CLS]/[SEP]; empty = not checked
  TokenizerOptions options = {};
};

TokenizerOptions lowercase_keep_accents() {
  TokenizerOptions o;
  o.strip_accents = false;
  return o;
}
TokenizerOptions cased_strip_accents() {
  TokenizerOptions o;
  o.lowercase = false;
  o.strip_accents = true;
  return o;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      {"empty", "", {}, {}},
      {"blank", " \t\n ", {}, {}},
      {"invalid_byte_dropped", "a\xff" "b", {"ab"}, {{0, 2}}},
      {"truncated_sequence_dropped", "caf\xc3", {"caf"}, {{0, 3}}},
      {"truncated_sequence_before_ascii", "\xe2\x82" "a", {"a"}, {{0, 1}}},
      {"encoded_surrogate_dropped", "\xed\xa0\x80x", {"x"}, {{0, 1}}},
      {"overlong_dropped", "\xc0\xafx", {"x"}, {{0, 1}}},
      {"above_max_code_point_dropped", "\xf4\x90\x80\x80x", {"x"}, {{0, 1}}},
      {"stray_continuation_dropped", "\x80\x80x\xbf", {"x"}, {{0, 1}}},
      {"special_inside_word", "x[MASK]y", {"x", "[MASK]", "y"}, {{0, 1}, {1, 7}, {7, 8}}},
      {"special_in_brackets", "[[MASK]]", {"[", "[MASK]", "]"}, {{0, 1}, {1, 7}, {7, 8}}},
      {"special_lowercase_not_matched", "[mask]", {"[", "mask", "]"}, {{0, 1}, {1, 5}, {5, 6}}},
      {"special_behind_invalid_byte", "[MA\xffSK]", {"[MASK]"}, {{0, 6}}},
      {"removed_controls_join_words", std::string("ab\0\u0301c", 6), {"abc"}, {{0, 5}}},
      {"soft_hyphen_removed", "a\u00adb", {"ab"}, {{0, 3}}},
      {"cjk_split", "中国abc", {"中", "国", "abc"}, {{0, 1}, {1, 2}, {2, 5}}},
      {"word_pieces", "unaffable", {"una", "##ffa", "##ble"}, {{0, 3}, {3, 6}, {6, 9}}},
      {"word_of_101_chars_is_unk", std::string(101, 'a'), {"[UNK]"}, {{0, 101}}},
      {"unsegmentable_word_is_unk", "\xe2\x8d\x9f\xe2\x8d\xb0", {"[UNK]"}, {{0, 2}}},
      {"sigma_lowercased_per_char", "ΟΔΟΣ", {"ο", "##δ", "##ο", "##σ"}, {}},
      {"lowercase_without_accent_strip", "İ café", {"[UNK]", "[UNK]"}, {{0, 1}, {2, 6}}, lowercase_keep_accents()},
      {"cased_with_accent_strip", "Café İ", {"[UNK]", "[UNK]"}, {{0, 4}, {5, 6}}, cased_strip_accents()},
  };
  return table;
}

TEST(EdgeCasesTest, TableMatchesReference) {
  for (const Case& c : cases()) {
    const Tokenizer tok(kVocab, c.options);
    const Encoding e = tok.encode(c.text);
    std::vector<std::string> want = {"[CLS]"};
    want.insert(want.end(), c.tokens.begin(), c.tokens.end());
    want.push_back("[SEP]");
    EXPECT_EQ(e.tokens, want) << c.name;
    for (size_t i = 0; i < e.size(); ++i) EXPECT_EQ(e.ids[i], tok.vocab().find(e.tokens[i]).value()) << c.name;
    if (!c.offsets.empty() || c.tokens.empty()) {
      Offsets want_offsets = {{0, 0}};
      want_offsets.insert(want_offsets.end(), c.offsets.begin(), c.offsets.end());
      want_offsets.push_back({0, 0});
      EXPECT_EQ(e.offsets, want_offsets) << c.name;
    }
    EXPECT_EQ(tok.tokenize(c.text), c.tokens) << c.name;
  }
}

// first_invalid_byte (the CLI refuses a line it finds) agrees with decode (which drops those
// bytes): each text is invalid exactly when decoding and re-encoding it changes it.
TEST(EdgeCasesTest, FirstInvalidByteIsTheFirstByteDecodeDrops) {
  const std::vector<std::pair<std::string, size_t>> table = {
      {"", std::string_view::npos},          {"caf\u00e9 \u4e2d \U0001F600", std::string_view::npos},
      {"a\xff" "b", 1},                      {"caf\xc3", 3},
      {"\xe2\x82" "a", 0},                   {"x\xed\xa0\x80", 1},
      {"\xc0\xafx", 0},                      {"\xf4\x90\x80\x80x", 0},
      {"ok\x80", 2},                          {"\xef\xbb\xbf\xe9", 3},
  };
  for (const auto& [text, bad] : table) {
    EXPECT_EQ(bertcpp::utf8::first_invalid_byte(text), bad) << text;
    std::vector<char32_t> points;
    bertcpp::utf8::decode(text, points);
    std::string again;
    for (char32_t c : points) bertcpp::utf8::append(again, c);
    EXPECT_EQ(again == text, bad == std::string_view::npos) << text;
  }
}

TEST(EdgeCasesTest, WordOfExactlyMaxCharsIsSegmented) {
  const Encoding e = uncased().encode(std::string(100, 'a'));
  ASSERT_EQ(e.size(), 52u);  // aaa + 48 x ##aa + ##a, as the reference gives
  EXPECT_EQ(e.tokens[1], "aaa");
  EXPECT_EQ(e.tokens[50], "##a");
  EXPECT_EQ(e.offsets[50], (std::pair<size_t, size_t>{99, 100}));
}

TEST(EdgeCasesTest, TruncationBoundaries) {
  EXPECT_EQ(uncased().encode("hello world", 2).tokens, (std::vector<std::string>{"[CLS]", "[SEP]"}));
  EXPECT_EQ(uncased().encode("hello world", 3).tokens, (std::vector<std::string>{"[CLS]", "hello", "[SEP]"}));
  EXPECT_EQ(uncased().encode("hello world", 4).size(), 4u);
  EXPECT_EQ(uncased().encode("hello world", 400).size(), 4u);
  const Encoding p = uncased().encode_pair("hello world", "foo bar", 3);
  EXPECT_EQ(p.tokens, (std::vector<std::string>{"[CLS]", "[SEP]", "[SEP]"}));
  EXPECT_EQ(p.type_ids, (std::vector<int32_t>{0, 0, 1}));
  EXPECT_THROW(uncased().encode("hello", 1), std::invalid_argument);
  EXPECT_THROW(uncased().encode_pair("a", "b", 2), std::invalid_argument);
}

TEST(EdgeCasesTest, PairTruncationIsHuggingFacesRuleNotTheLoop) {
  using P = std::pair<size_t, size_t>;
  EXPECT_EQ(bertcpp::truncated_pair_lengths(4, 5, 5), (P{2, 3}));  // the loop would give 3, 2
  EXPECT_EQ(bertcpp::truncated_pair_lengths(5, 4, 5), (P{3, 2}));
  EXPECT_EQ(bertcpp::truncated_pair_lengths(5, 5, 5), (P{2, 3}));  // tie: A is the shorter
  EXPECT_EQ(bertcpp::truncated_pair_lengths(1, 30, 5), (P{1, 4}));
  EXPECT_EQ(bertcpp::truncated_pair_lengths(30, 2, 5), (P{3, 2}));
  EXPECT_EQ(bertcpp::truncated_pair_lengths(2, 3, 5), (P{2, 3}));
  EXPECT_EQ(bertcpp::truncated_pair_lengths(0, 9, 0), (P{0, 0}));
}

TEST(EdgeCasesTest, BatchEqualsOneByOneInOrder) {
  std::vector<bertcpp::TextInput> inputs;
  for (int i = 0; i < 300; ++i) {
    bertcpp::TextInput in{"Text number " + std::to_string(i) + " with café and 中文 [MASK]", std::nullopt};
    if (i % 3 == 0) in.b = std::string(i % 50, 'x') + " second segment";
    inputs.push_back(in);
  }
  for (size_t threads : {1u, 2u, 0u, 64u}) {
    const auto batch = uncased().encode_batch(inputs, 16, threads);
    ASSERT_EQ(batch.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Encoding one = inputs[i].b ? uncased().encode_pair(inputs[i].a, *inputs[i].b, 16) : uncased().encode(inputs[i].a, 16);
      EXPECT_EQ(batch[i].ids, one.ids) << "threads " << threads << " input " << i;
      EXPECT_EQ(batch[i].offsets, one.offsets) << "threads " << threads << " input " << i;
      EXPECT_EQ(batch[i].type_ids, one.type_ids) << "threads " << threads << " input " << i;
    }
  }
  EXPECT_TRUE(uncased().encode_batch({}, std::nullopt, 0).empty());
  EXPECT_THROW(uncased().encode_batch(inputs, 1, 2), std::invalid_argument);
}

TEST(EdgeCasesTest, EncodeTokensLooksUpWithoutNormalizing) {
  const std::vector<std::string> a = {"hello", "Hello", "##ing"}, b = {"world"};
  const Encoding e = uncased().encode_tokens(a, &b);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "hello", "[UNK]", "##ing", "[SEP]", "world", "[SEP]"}));
  EXPECT_EQ(e.type_ids, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(e.offsets[2], (std::pair<size_t, size_t>{1, 2}));
  EXPECT_EQ(uncased().encode_tokens(a, nullptr, 3).tokens, (std::vector<std::string>{"[CLS]", "hello", "[SEP]"}));
}

// Linear time on huge input: a 10 MB word must become one [UNK] without greedy matching, and 1 MB
// of prose must not take seconds.
TEST(EdgeCasesTest, HugeInputsStayLinear) {
  const auto start = std::chrono::steady_clock::now();
  const Encoding word = uncased().encode(std::string(10'000'000, 'a'));
  EXPECT_EQ(word.tokens, (std::vector<std::string>{"[CLS]", "[UNK]", "[SEP]"}));
  EXPECT_EQ(word.offsets[1], (std::pair<size_t, size_t>{0, 10'000'000}));
  std::string prose;
  while (prose.size() < 1'000'000) prose += "The quick brown fox jumps over the lazy dog, naïvely! ";
  const Encoding text = uncased().encode(prose);
  EXPECT_GT(text.size(), 200'000u);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0) << "quadratic behaviour?";
}

// ---- vocab files

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "bertcpp_vocab_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

void expect_runtime_error_naming(const std::string& path, const std::string& what_part) {
  try {
    bertcpp::Vocab::from_file(path);
    ADD_FAILURE() << "no exception for " << path;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what_part), std::string::npos) << e.what();
  }
}

TEST(VocabTest, FileErrorsNameTheFile) {
  expect_runtime_error_naming(testing::TempDir() + "bertcpp_no_such_vocab.txt", "cannot open");
  expect_runtime_error_naming(write_temp("empty.txt", ""), "empty");
  expect_runtime_error_naming(write_temp("no_unk.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n"), "[UNK]");
  EXPECT_THROW(Tokenizer(write_temp("no_sep.txt", "[UNK]\n[CLS]\nhello\n")), std::runtime_error);
}

TEST(VocabTest, LineEndsAndIds) {
  const auto crlf = bertcpp::Vocab::from_file(write_temp("crlf.txt", "[PAD]\r\n[UNK]\r\nhello \r\nworld"));
  ASSERT_EQ(crlf.size(), 4u);
  EXPECT_EQ(crlf.token(1), "[UNK]");
  EXPECT_EQ(crlf.unk_id(), 1);
  EXPECT_EQ(crlf.find("hello ").value(), 2);  // only the line end is stripped
  EXPECT_FALSE(crlf.find("hello").has_value());
  EXPECT_EQ(crlf.find("world").value(), 3);  // last line without newline
  EXPECT_EQ(crlf.cls_id(), -1);
  EXPECT_THROW(crlf.token(4), std::out_of_range);
  EXPECT_THROW(crlf.token(-1), std::out_of_range);

  const auto dup = bertcpp::Vocab::from_file(write_temp("dup.txt", "[UNK]\na\nb\na\n"));
  EXPECT_EQ(dup.size(), 4u);
  EXPECT_EQ(dup.find("a").value(), 3);  // later line wins, as in HF and Google BERT
  EXPECT_EQ(dup.id_or_unk("zzz"), 0);

  const auto real = bertcpp::Vocab::from_file(kVocab);
  EXPECT_EQ(real.size(), 30522u);
  EXPECT_EQ(real.cls_id(), 101);
  EXPECT_EQ(real.sep_id(), 102);
  EXPECT_EQ(real.mask_id(), 103);
  EXPECT_EQ(real.pad_id(), 0);
  EXPECT_EQ(real.unk_id(), 100);
  for (int32_t id = 0; id < static_cast<int32_t>(real.size()); id += 997) {
    const std::string& t = real.token(id);
    if (real.find(t).value() == id) continue;  // (no duplicates in this vocab, but do not assume)
    ADD_FAILURE() << "id " << id;
  }
}

TEST(VocabTest, ApiSurfaceForBindings) {
  const Tokenizer& tok = uncased();
  EXPECT_EQ(tok.vocab().size(), 30522u);
  EXPECT_EQ(tok.vocab().find("hello").value(), 7592);
  EXPECT_EQ(tok.vocab().token(7592), "hello");
  EXPECT_TRUE(tok.options().lowercase);
  EXPECT_FALSE(tok.options().strip_accents.has_value());
}

}  // namespace
