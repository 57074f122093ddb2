// Crafted text stays linear, interruptible and bounded in memory; the tokenizer's threads
// degrade instead of aborting. Bounds are generous (shared CI machines, sanitizer builds): they
// only stop a quadratic or unbounded case from passing, never time a fast one.
#include <bertcpp/detail/all.h>
#include <bertcpp/detail/tokenizer/truncation.h>
#include <bertcpp/detail/tokenizer/unicode.h>
#include <bertcpp/detail/tokenizer/utf8.h>

#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

const bertcpp::Tokenizer& uncased() {
  static const bertcpp::Tokenizer tokenizer(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt");
  return tokenizer;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr double kBoundSeconds = 30.0;

// Sanitizers keep memory of their own (shadow, quarantine) and reserve terabytes of address
// space: the memory and address-space tests would measure them, not the tokenizer.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
#define SKIP_IF_SANITIZED() \
  if (kSanitized) GTEST_SKIP() << "measures memory: meaningless under a sanitizer"  // a 1 MB run of marks took minutes with insertion sort

std::string repeat(const std::string& piece, size_t bytes) {
  std::string out;
  out.reserve(bytes + piece.size());
  while (out.size() < bytes) out += piece;
  return out;
}

TEST(TextLimits, AMegabyteOfCombiningMarksIsLinear) {
  for (const std::string& marks : {std::string("\u0301\u0327"), std::string("\u0301\u0327\u0323\u031B\u0345")}) {
    const std::string text = "a" + repeat(marks, 1 << 20);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(uncased().tokenize(text), std::vector<std::string>{"a"});
    EXPECT_LT(seconds_since(start), kBoundSeconds);
  }
}

TEST(TextLimits, AMegabyteOfOtherCraftedMixesIsLinear) {
  std::string unsplittable;  // 100 characters that only single-character pieces match
  for (int i = 0; i < 100; ++i) unsplittable += "zqx"[i % 3];
  const std::vector<std::string> pieces = {unsplittable + " ", "[", "[SEP", "[SEP]", ".,", "\u6771", "\uFB01",
                                           "\u0130", "\uAC00", "a\u0301 ", "\xFF\xED\xA0\x80"};
  for (const std::string& piece : pieces) {
    const std::string text = repeat(piece, 1 << 20);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_GT(uncased().encode(text).size(), 1u);
    EXPECT_LT(seconds_since(start), kBoundSeconds) << piece;
  }
}

TEST(TextLimits, LongMarkRunsAreStablySortedByCombiningClass) {
  // Spacing marks with a combining class survive accent stripping, so their order shows.
  const char32_t stem = 0x1D165, flag = 0x1D16D;  // MUSICAL SYMBOL COMBINING STEM (216), AUGMENTATION DOT (226)
  ASSERT_LT(bertcpp::unicode::combining_rank(stem), bertcpp::unicode::combining_rank(flag));
  ASSERT_NE(bertcpp::unicode::combining_rank(stem), 0);
  std::vector<char32_t> text = {U'x'};
  for (int i = 0; i < 20; ++i) text.push_back(i % 3 ? flag : stem);
  bertcpp::Normalizer normalizer(bertcpp::NormalizerOptions{});
  std::vector<bertcpp::NormalizedChar> out, scratch;
  normalizer.normalize(text.data(), 0, static_cast<uint32_t>(text.size()), out, scratch);
  ASSERT_EQ(out.size(), text.size());
  std::vector<char32_t> expected = {U'x'};
  for (int i = 0; i < 20; ++i) if (i % 3 == 0) expected.push_back(stem);
  for (int i = 0; i < 20; ++i) if (i % 3 != 0) expected.push_back(flag);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].c, expected[i]) << i;
    EXPECT_EQ(out[i].source, i) << "alignments stay where they were";
  }
}

TEST(TextLimits, TruncationKeepsTheSameTokensAsTokenizingEverything) {
  const std::string a = repeat("alpha beta gamma ", 300 << 10), b = repeat("delta epsilon ", 300 << 10) + "zeta";
  const bertcpp::Encoding full_a = uncased().encode(a), full_b = uncased().encode(b);
  for (size_t max_length : {size_t{3}, size_t{66}, size_t{67}, size_t{512}}) {
    const bertcpp::Encoding pair = uncased().encode_pair(a, b, max_length);
    const size_t budget = max_length - 3;
    const auto [keep_a, keep_b] = bertcpp::truncated_pair_lengths(full_a.size() - 2, full_b.size() - 2, budget);
    ASSERT_EQ(pair.size(), keep_a + keep_b + 3) << max_length;
    EXPECT_TRUE(std::equal(pair.ids.begin() + 1, pair.ids.begin() + 1 + keep_a, full_a.ids.begin() + 1));
    EXPECT_TRUE(std::equal(pair.ids.begin() + 2 + keep_a, pair.ids.end() - 1, full_b.ids.begin() + 1));
    EXPECT_EQ(pair.offsets[keep_a], full_a.offsets[keep_a]);
  }
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A line of /proc/self/status in KB ("VmRSS:", "VmHWM:").
long status_kb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.compare(0, key.size(), key) == 0) return std::stol(line.substr(key.size()));
  ADD_FAILURE() << "no " << key << " in /proc/self/status";
  return 0;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Texts of each kind of script: spaced Latin, Chinese (no spaces at all), Japanese (kana
// between ideographs, 。 and 、), and a Korean one spaced with U+3000 IDEOGRAPHIC SPACE.
const std::vector<std::string>& scripts() {
  static const std::vector<std::string> texts = {
      "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 of the day. ",
      "\u4e2d\u6587\u6587\u672c\u6ca1\u6709\u7a7a\u683c\u4e5f\u6ca1\u6709\u6807\u70b9",
      "\u6771\u4eac\u306e\u5929\u6c17\u306f\u6674\u308c\u3067\u3059\u3002\u3053\u308c\u306f\u3001\u30c6\u30b9\u30c8",
      "\ud55c\uad6d\uc5b4\u3000\ud14d\uc2a4\ud2b8\u3000",
  };
  return texts;
}

TEST(TextLimits, FiftyMegabytesTruncatedNeedLittleMemory) {
  SKIP_IF_SANITIZED();
  // ctest runs each test in its own process, so the peak before is this test's own. Tokenizing
  // it all held ~1.5 GB (code points, normalized characters, offsets); Chinese and Japanese,
  // with no ASCII space or period to cut at, still did until they were cut at ideographs.
  for (const std::string& piece : scripts()) {
    const std::string text = repeat(piece, 50 << 20);
    reset_peak_rss();
    const long before = status_kb("VmHWM:");
    const bertcpp::Encoding e = uncased().encode(text, 128);
    EXPECT_EQ(e.size(), 128u);
    EXPECT_LT(status_kb("VmHWM:") - before, 200 * 1024) << "KB more at peak for " << piece;
  }
}

// Where a chunk ends must not show: a text made of one piece repeated (each ending at a word
// boundary) gives that piece's tokens repeated, offsets shifted, wherever the 64 KB cuts fall
// (pieces of several lengths put them at different places: inside kana runs, before combining
// marks after an ideograph, at full-width punctuation and spaces).
TEST(TextLimits, ChunkCutsNeverChangeTheTokens) {
  std::vector<std::string> pieces = scripts();
  pieces.push_back("\u4e2d\u0301\u6587\u3002\u00abCa\u0327a\u00bb va\u3000\u6771\u4eac\uff0c\u00a0x\u2003y ");
  pieces.push_back("\uff21\uff22\uff23\u3001\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 \u4e00");  // ends in an ideograph
  for (const std::string& piece : pieces) {
    const bertcpp::Encoding one = uncased().encode(piece);
    const std::string text = repeat(piece, 300 << 10);
    const size_t copies = text.size() / piece.size();
    std::vector<char32_t> points;
    bertcpp::utf8::decode(piece, points);
    const bertcpp::Encoding all = uncased().encode(text);
    const size_t per_piece = one.size() - 2;  // without [CLS] and [SEP]
    ASSERT_EQ(all.size(), per_piece * copies + 2) << piece;
    for (size_t k = 0; k < copies; ++k) {
      for (size_t t = 0; t < per_piece; ++t) {
        const size_t i = 1 + k * per_piece + t;
        ASSERT_EQ(all.ids[i], one.ids[1 + t]) << piece << ": copy " << k << ", token " << t;
        ASSERT_EQ(all.offsets[i].first, one.offsets[1 + t].first + k * points.size()) << piece << ": copy " << k;
        ASSERT_EQ(all.offsets[i].second, one.offsets[1 + t].second + k * points.size()) << piece << ": copy " << k;
      }
    }
  }
}

TEST(TextLimits, CancelStopsInsideOneLongTextOfAnyScript) {
  for (const std::string& piece : scripts()) {
    const std::vector<bertcpp::TextInput> inputs = {{repeat(piece, 20 << 20), std::nullopt}};
    bertcpp::BatchOptions options;
    int polls = 0;
    options.keep_going = [&] { return ++polls < 2; };
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(uncased().encode_batch(inputs, options), bertcpp::Cancelled) << piece;
    EXPECT_EQ(polls, 2) << piece;
    EXPECT_LT(seconds_since(start), kBoundSeconds) << piece;
  }
}

TEST(TextLimits, AHugeWordLeavesNoWorkspaceBehind) {
  SKIP_IF_SANITIZED();
  // One 20 MB word is tokenized in one piece (~400 MB of per-thread buffers); they used to
  // stay with the thread for good.
  const std::string word(20 << 20, 'a');
  const long before = status_kb("VmRSS:");
  EXPECT_EQ(uncased().tokenize(word), std::vector<std::string>{"[UNK]"});
  EXPECT_LT(status_kb("VmRSS:") - before, 64 * 1024) << "KB still resident after the call";
}

TEST(TextLimits, EncoderMemoryIsTheOutputPlusABoundedWorkingSet) {
  SKIP_IF_SANITIZED();
  // 40,000 texts truncated to [CLS] [SEP]: keeping every text's Encoding (token strings,
  // offsets, masks) held 20 MB more at peak here (~0.3 KB a text); streamed, only a slice
  // is held (~9 MB, whatever the count).
  bertcpp::EncoderOptions options;
  options.max_seq_len = 2;
  options.batch_size = 512;
  const bertcpp::Encoder encoder(options);
  const std::vector<bertcpp::TextInput> inputs(40000, {"a short text", std::nullopt});
  encoder.encode({inputs.begin(), inputs.begin() + 600});  // workspaces warmed up
  const long before = status_kb("VmRSS:");
  reset_peak_rss();  // the model's load peaked higher than this call should
  const bertcpp::RowMatrix v = encoder.encode(inputs);
  const long output_kb = static_cast<long>(v.size() * sizeof(float) / 1024);
  const long extra_kb = status_kb("VmHWM:") - before - output_kb;
  RecordProperty("extra_kb", std::to_string(extra_kb));
  EXPECT_LT(extra_kb, 14 * 1024) << "KB at peak besides the " << output_kb << " KB output";
}

TEST(TextLimits, IdsOnlyLeavesTheBookkeepingOut) {
  std::vector<bertcpp::TextInput> inputs = {{"Hello, world!", std::nullopt}, {"first", std::string("second")}};
  bertcpp::BatchOptions options;
  options.ids_only = true;
  const auto slim = uncased().encode_batch(inputs, options);
  const auto full = uncased().encode_batch(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(slim[i].ids, full[i].ids);
    EXPECT_EQ(slim[i].type_ids, full[i].type_ids);
    EXPECT_TRUE(slim[i].tokens.empty() && slim[i].offsets.empty() && slim[i].attention_mask.empty());
  }
}

TEST(TextLimits, BadInputIsNamedByItsIndex) {
  std::vector<bertcpp::TextInput> inputs(100, {"text", std::nullopt});
  inputs[37].b = "a pair needs 3 special tokens";
  try {
    uncased().encode_batch(inputs, 2, 4);
    FAIL() << "max_length 2 cannot hold a pair";
  } catch (const bertcpp::InputError& e) {
    EXPECT_EQ(e.index(), 37u) << e.what();
    EXPECT_EQ(std::string(e.what()), "input 37 cannot be encoded: max_length: 2 cannot hold the 3 special tokens");
  }
}

TEST(TextLimits, UnreasonableThreadCountsAreRefused) {
  const std::vector<bertcpp::TextInput> inputs(4, {"hi", std::nullopt});
  EXPECT_THROW(uncased().encode_batch(inputs, std::nullopt, 40000), std::invalid_argument);
  EXPECT_EQ(uncased().encode_batch(inputs, std::nullopt, bertcpp::Tokenizer::kMaxThreads).size(), 4u);
}

TEST(TextLimits, ThreadsTheSystemRefusesAreNotFatal) {
  SKIP_IF_SANITIZED();
  // In a child process: new threads get a 1 GB stack (glibc's cache of freed stacks cannot
  // serve it) and the address space is capped below that, so every std::thread throws; the
  // call must still finish every text on the calling thread (before: std::terminate).
  const std::vector<bertcpp::TextInput> inputs(2000, {"hello world", std::nullopt});
  const bertcpp::Encoding one = uncased().encode("hello world");
  auto child = [&] {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, size_t{1} << 30);
    if (pthread_setattr_default_np(&attr) != 0) std::_Exit(5);
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!statm || std::fscanf(statm, "%lu", &pages) != 1) std::_Exit(2);
    const rlim_t cap = static_cast<rlim_t>(pages) * 4096 + (rlim_t{256} << 20);
    rlimit limit{cap, cap};
    if (setrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(3);
    const auto out = uncased().encode_batch(inputs, std::nullopt, 2);
    std::_Exit(out.size() == inputs.size() && out.back().ids == one.ids ? 0 : 4);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
