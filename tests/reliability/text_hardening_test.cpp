// Hostile text: every case must finish in bounded time and memory with a documented result.
//
// Documented results (the tokenizer follows Google BERT's convert_to_unicode(text, "ignore") and
// Hugging Face's _clean_text):
//   * invalid UTF-8 (stray continuation bytes, overlongs, 5-byte forms, truncated sequences,
//     UTF-8-encoded surrogates such as ED A0 80) is dropped byte by byte: "a\xFFb" reads "ab";
//   * NUL, U+FFFD and other control characters (Cc) and format characters (Cf: U+200F RLM,
//     U+202E RLO, U+200B ZWSP, U+FEFF BOM) are removed, joining their neighbours: "a\0b" reads "ab";
//   * a 10 MB single string is tokenized whole (or truncated with max_length), linear time;
//   * a million short strings go through encode_batch in one call.
#include <bertcpp/detail/all.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

const bertcpp::Tokenizer& uncased() {
  static const bertcpp::Tokenizer tokenizer(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt");
  return tokenizer;
}

std::vector<std::string> tokens(std::string_view text) { return uncased().tokenize(text); }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Generous: sanitizer builds run 3-10x slower than Release, and CI machines are shared.
constexpr double kBoundSeconds = 60.0;

TEST(TextHardening, InvalidUtf8IsDroppedWherever) {
  EXPECT_EQ(tokens("hel\xFFlo"), tokens("hello"));
  EXPECT_EQ(tokens("\x80hello"), tokens("hello"));                 // stray continuation byte first
  EXPECT_EQ(tokens("hello\xC3"), tokens("hello"));                 // truncated 2-byte sequence last
  EXPECT_EQ(tokens("he\xE2\x82llo"), tokens("hello"));             // truncated 3-byte sequence inside
  EXPECT_EQ(tokens("he\xC0\xAFllo"), tokens("hello"));             // overlong '/'
  EXPECT_EQ(tokens("he\xF8\x88\x80\x80\x80llo"), tokens("hello"));  // 5-byte form
  EXPECT_EQ(tokens("he\xF4\x90\x80\x80llo"), tokens("hello"));     // above U+10FFFF
  EXPECT_TRUE(tokens("\xFF\xFE\xFD\x80\xBF").empty());
}

TEST(TextHardening, LoneSurrogatesEncodedInUtf8AreDropped) {
  EXPECT_EQ(tokens("a\xED\xA0\x80" "b"), tokens("ab"));  // U+D800
  EXPECT_EQ(tokens("a\xED\xBF\xBF" "b"), tokens("ab"));  // U+DFFF
  EXPECT_EQ(tokens("\xED\xA0\xBD\xED\xB8\x80"), tokens(""));  // a CESU-8 pair for U+1F600
}

TEST(TextHardening, NulAndControlCharactersAreRemoved) {
  EXPECT_EQ(tokens(std::string("hello\0world", 11)), tokens("helloworld"));
  EXPECT_EQ(tokens(std::string("\0\0\0", 3)), std::vector<std::string>{});
  EXPECT_EQ(tokens("hel\x07lo\x1B"), tokens("hello"));
  const bertcpp::Encoding e = uncased().encode(std::string("a\0b", 3));
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "ab", "[SEP]"}));
}

TEST(TextHardening, RightToLeftAndOtherFormatMarksAreRemoved) {
  EXPECT_EQ(tokens("abc\u200Fdef"), tokens("abcdef"));         // RIGHT-TO-LEFT MARK
  EXPECT_EQ(tokens("\u202Eevil\u202C"), tokens("evil"));       // RLO ... PDF
  EXPECT_EQ(tokens("\uFEFFhello"), tokens("hello"));           // BOM
  EXPECT_EQ(tokens("zero\u200Bwidth"), tokens("zerowidth"));   // ZWSP
  // Arabic and Hebrew letters themselves are kept.
  EXPECT_FALSE(tokens("\u0645\u0631\u062D\u0628\u0627 \u05E9\u05DC\u05D5\u05DD").empty());
}

TEST(TextHardening, TenMegabyteSingleStringOfWords) {
  std::string text;
  text.reserve(10 << 20);
  while (text.size() < (10u << 20)) text += "the quick brown fox jumps over the lazy dog ";
  const auto start = std::chrono::steady_clock::now();
  const bertcpp::Encoding whole = uncased().encode(text);
  const bertcpp::Encoding cut = uncased().encode(text, 512);
  const double took = seconds_since(start);
  EXPECT_EQ(whole.size(), 2 + 9 * (text.size() / 44));
  EXPECT_EQ(cut.size(), 512u);
  EXPECT_EQ(std::vector<int32_t>(whole.ids.begin(), whole.ids.begin() + 511),
            std::vector<int32_t>(cut.ids.begin(), cut.ids.begin() + 511));
  EXPECT_LT(took, kBoundSeconds);
  RecordProperty("seconds", std::to_string(took));
}

TEST(TextHardening, TenMegabyteSingleWordAndCjk) {
  // One 10 MB "word": longer than max_input_chars_per_word, so it is one [UNK], found fast.
  const std::string word(10 << 20, 'x');
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(tokens(word), std::vector<std::string>{"[UNK]"});
  EXPECT_LT(seconds_since(start), kBoundSeconds);
  // 10 MB of CJK: every ideograph is its own word.
  std::string cjk;
  while (cjk.size() < (10u << 20)) cjk += "\u6771\u4EAC";
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(uncased().encode(cjk, 64).size(), 64u);
  EXPECT_EQ(tokens(cjk).size(), cjk.size() / 3);
  EXPECT_LT(seconds_since(start), kBoundSeconds);
}

TEST(TextHardening, TenMegabytesOfInvalidBytesAndMarks) {
  std::string junk;
  while (junk.size() < (10u << 20)) junk += "\xFF\xED\xA0\x80\u200F";
  junk += std::string(1 << 20, '\0');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(tokens(junk).empty());
  EXPECT_EQ(uncased().encode(junk).size(), 2u);
  EXPECT_LT(seconds_since(start), kBoundSeconds);
}

TEST(TextHardening, AMillionShortStrings) {
  std::vector<bertcpp::TextInput> inputs(1000000);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i].a = i % 2 ? "hi there" : "x";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<bertcpp::Encoding> out = uncased().encode_batch(inputs, 8);
  const double took = seconds_since(start);
  ASSERT_EQ(out.size(), inputs.size());
  EXPECT_EQ(out[0].size(), 3u);
  EXPECT_EQ(out[1].size(), 4u);
  EXPECT_EQ(out.back().ids, out[1].ids);
  EXPECT_LT(took, kBoundSeconds);
  RecordProperty("seconds", std::to_string(took));
}

TEST(TextHardening, EncoderRejectsOverlongInputWhenAskedAndTruncatesOtherwise) {
  std::string text;
  while (text.size() < (1u << 20)) text += "word ";
  bertcpp::EncoderOptions error_mode;
  error_mode.long_text = bertcpp::LongText::Error;
  const bertcpp::Encoder plain(error_mode);
  try {
    plain.encode({{text, std::nullopt}});
    FAIL() << "a 1 MB text with long_text = error must be rejected";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("max_position_embeddings = 512"), std::string::npos) << e.what();
  }
  bertcpp::EncoderOptions options;
  options.max_seq_len = 128;
  const bertcpp::Encoder truncating(options);
  const bertcpp::RowMatrix v = truncating.encode({{text, std::nullopt}, {std::string("\xFF\0", 2), std::nullopt}});
  EXPECT_EQ(v.rows(), 2);
  EXPECT_TRUE(v.allFinite());
  const bertcpp::RowMatrix by_default = bertcpp::Encoder().encode({{text, std::nullopt}});
  EXPECT_TRUE(by_default.allFinite());
}

}  // namespace
