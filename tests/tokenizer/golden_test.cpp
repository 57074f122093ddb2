// Every record of the golden files (Hugging Face tokenizers 0.22.2 output, see
// tests/data/tokenizer/README.md) must come out identical: ids, tokens, type ids, offsets.
#include <bertcpp/tokenizer/tokenizer.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string kDir = std::string(BERTCPP_TEST_DATA) + "/tokenizer/";

const bertcpp::Tokenizer& uncased() {
  static const bertcpp::Tokenizer tok(kDir + "vocab.txt");
  return tok;
}
const bertcpp::Tokenizer& cased() {
  bertcpp::TokenizerOptions o;
  o.lowercase = false;
  o.strip_accents = false;
  static const bertcpp::Tokenizer tok(kDir + "vocab.txt", o);
  return tok;
}

std::string dump(const bertcpp::Encoding& e) {
  nlohmann::json j;
  j["tokens"] = e.tokens;
  j["ids"] = e.ids;
  j["type_ids"] = e.type_ids;
  nlohmann::json offs = nlohmann::json::array();
  for (auto [s, t] : e.offsets) offs.push_back({s, t});
  j["offsets"] = offs;
  return j.dump();
}

// Fails once per file, with the number of differing records and the first few of them.
// Records with "config": "cased" use the cased tokenizer, all others `tok`.
void check_file(const std::string& name, const bertcpp::Tokenizer& tok) {
  std::ifstream in(kDir + name);
  ASSERT_TRUE(in) << "cannot open " << kDir + name;
  std::string line;
  size_t lines = 0, mismatches = 0;
  std::ostringstream first;
  while (std::getline(in, line)) {
    ++lines;
    const auto r = nlohmann::json::parse(line);
    std::optional<size_t> max_length;
    if (r.contains("max_length")) max_length = r["max_length"].get<size_t>();
    const bertcpp::Tokenizer& t = r.value("config", "") == "cased" ? cased() : tok;
    bertcpp::Encoding e;
    if (r.contains("text_a"))
      e = t.encode_pair(r["text_a"].get<std::string>(), r["text_b"].get<std::string>(), max_length);
    else
      e = t.encode(r["text"].get<std::string>(), max_length);
    bool same = e.ids == r["ids"].get<std::vector<int32_t>>() && e.tokens == r["tokens"].get<std::vector<std::string>>();
    if (r.contains("type_ids")) same = same && e.type_ids == r["type_ids"].get<std::vector<int32_t>>();
    else same = same && e.type_ids == std::vector<int32_t>(e.size(), 0);
    if (r.contains("offsets")) {
      std::vector<std::pair<size_t, size_t>> want;
      for (const auto& o : r["offsets"]) want.emplace_back(o[0].get<size_t>(), o[1].get<size_t>());
      same = same && e.offsets == want;
    }
    same = same && e.attention_mask == std::vector<int32_t>(e.size(), 1);
    if (!same) {
      if (++mismatches <= 5)
        first << "\n  line " << lines << ": " << line.substr(0, 300) << "\n     got: " << dump(e).substr(0, 300);
    }
  }
  EXPECT_GT(lines, 0u) << name << " is empty";
  EXPECT_EQ(mismatches, 0u) << name << ": " << mismatches << " of " << lines << " records differ" << first.str();
  std::cout << name << ": " << (lines - mismatches) << "/" << lines << " records match\n";
}

TEST(GoldenTest, UncasedSingle) { check_file("uncased_single.jsonl", uncased()); }
TEST(GoldenTest, UncasedPairs) { check_file("uncased_pairs.jsonl", uncased()); }
TEST(GoldenTest, UncasedTruncated) { check_file("uncased_truncated.jsonl", uncased()); }
TEST(GoldenTest, CasedSingle) { check_file("cased_single.jsonl", cased()); }
// Random strings over all of Unicode (generate_random_unicode.js), uncased and cased, with offsets.
TEST(GoldenTest, RandomUnicode) { check_file("random_unicode.jsonl", uncased()); }

}  // namespace
