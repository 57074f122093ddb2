// Long texts: truncated to the model's limit by default, refused when asked, and in window
// mode split into overlapping windows whose vectors are averaged weighted by their tokens.
#include "model/reference.h"

#include <bertcpp/encoder.h>

#include <gtest/gtest.h>

namespace bertcpp {
namespace {

Encoder make_encoder(EncoderOptions options = {}) {
  static auto tokenizer = std::make_shared<const Tokenizer>(testing::kModelDir + "/vocab.txt");
  return Encoder(testing::bundled_model(), tokenizer, std::move(options));
}

std::string words(size_t n) {
  static const char* kWords[] = {"the", "river", "bank", "was", "quiet", "today", "and", "we", "walked", "along"};
  std::string s;
  for (size_t i = 0; i < n; ++i) s += std::string(i ? " " : "") + kWords[(i * 7 + i / 10) % 10];
  return s;
}

// The window [first, last) of `full`'s text tokens, as [CLS] ... [SEP].
Encoding window_of(const Encoding& full, size_t first, size_t last) {
  Encoding w;
  w.ids.push_back(full.ids.front());
  w.ids.insert(w.ids.end(), full.ids.begin() + 1 + first, full.ids.begin() + 1 + last);
  w.ids.push_back(full.ids.back());
  w.type_ids.assign(w.ids.size(), 0);
  w.attention_mask.assign(w.ids.size(), 1);
  return w;
}

TEST(LongText, FiveThousandWordsEncodeByDefaultAsTheFirst512Tokens) {
  const std::vector<TextInput> text = {{words(5000), std::nullopt}};
  const RowMatrix v = make_encoder().encode(text);
  ASSERT_EQ(v.rows(), 1);
  EXPECT_TRUE(v.allFinite());
  EncoderOptions at_512;
  at_512.max_seq_len = 512;
  EXPECT_LT(testing::max_diff(v, make_encoder(at_512).encode(text)), 1e-6f);
  EXPECT_EQ(make_encoder().tokenize(text)[0].size(), 512u);
}

TEST(LongText, WindowModeAveragesOverlappingWindowsWeightedByTokens) {
  const std::string text = words(38);  // 38 words, 38 tokens
  const Encoding full = make_encoder().tokenizer().encode(text);
  ASSERT_EQ(full.size(), 40u);
  // max_seq_len 16: windows of 14 text tokens, 4 shared: [0,14) [10,24) [20,34) [30,38).
  const std::vector<Encoding> windows = {window_of(full, 0, 14), window_of(full, 10, 24), window_of(full, 20, 34),
                                         window_of(full, 30, 38)};
  for (PoolingStrategy pooling : {PoolingStrategy::ReduceMean, PoolingStrategy::FirstToken, PoolingStrategy::ReduceMax}) {
    EncoderOptions options;
    options.pooling = pooling;
    options.max_seq_len = 16;
    const RowMatrix each = make_encoder(options).encode_encodings(windows);
    RowMatrix expected;
    if (pooling == PoolingStrategy::ReduceMax) {
      expected = each.colwise().maxCoeff();
    } else {
      expected = (16.0f * (each.row(0) + each.row(1) + each.row(2)) + 10.0f * each.row(3)) / 58.0f;
    }
    options.long_text = LongText::Window;
    options.window_overlap = 4;
    const RowMatrix got = make_encoder(options).encode({{text, std::nullopt}});
    EXPECT_LT(testing::max_diff(got, expected), 1e-5f) << to_string(pooling);
  }
}

TEST(LongText, WindowModeLeavesShortTextsAsTheyAreAndTakesFiveThousandWords) {
  EncoderOptions options;
  options.long_text = LongText::Window;
  const std::vector<TextInput> texts = {{"a short text", std::nullopt}, {words(5000), std::nullopt},
                                        {"another one", std::nullopt}};
  const RowMatrix windowed = make_encoder(options).encode(texts);
  const RowMatrix plain = make_encoder().encode(texts);
  EXPECT_LT(testing::max_diff(windowed.row(0), plain.row(0)), 1e-6f);
  EXPECT_LT(testing::max_diff(windowed.row(2), plain.row(2)), 1e-6f);
  EXPECT_TRUE(windowed.allFinite());
  EXPECT_GT(testing::max_diff(windowed.row(1), plain.row(1)), 1e-4f);  // the whole text, not its start
}

TEST(LongText, ErrorModeAndBadWindowOptionsSayWhatIsWrong) {
  EncoderOptions error_mode;
  error_mode.long_text = LongText::Error;
  EXPECT_THROW(make_encoder(error_mode).encode({{words(600), std::nullopt}}), std::invalid_argument);
  EncoderOptions window;
  window.long_text = LongText::Window;
  window.max_seq_len = 16;
  // A pair is truncated (only single texts are split); a pair's encoding given as is is refused.
  EncoderOptions truncate16;
  truncate16.max_seq_len = 16;
  const std::vector<TextInput> pair = {{words(30), words(30)}};
  EXPECT_LT(testing::max_diff(make_encoder(window).encode(pair), make_encoder(truncate16).encode(pair)), 1e-6f);
  try {
    make_encoder(window).encode_encodings({make_encoder().tokenizer().encode_pair(words(30), words(30))});
    FAIL() << "a too long pair cannot be windowed";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("window mode splits single texts only"), std::string::npos) << e.what();
  }
  window.window_overlap = 14;
  EXPECT_THROW(make_encoder(window), std::invalid_argument);
  window.window_overlap.reset();
  window.pooling = PoolingStrategy::None;
  EXPECT_THROW(make_encoder(window), std::invalid_argument);
  EXPECT_EQ(parse_long_text("Window"), LongText::Window);
  EXPECT_THROW(parse_long_text("split"), std::invalid_argument);
}

}  // namespace
}  // namespace bertcpp
