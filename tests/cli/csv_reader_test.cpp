// CsvReader: RFC 4180 records, including the quoted commas, quotes and newlines of tweets.
#include "cli/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace bertcpp::cli {
namespace {

std::vector<std::vector<std::string>> read_all(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in, "test.csv");
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  while (reader.next(fields)) records.push_back(fields);
  return records;
}

TEST(CsvReader, SplitsPlainRecords) {
  const auto r = read_all("a,b,c\n1,2,3\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1], (std::vector<std::string>{"1", "2", "3"}));
}

TEST(CsvReader, QuotedFieldsKeepCommasQuotesAndNewlines) {
  const auto r = read_all("id,text\n1,\"hello, \"\"world\"\"\nsecond line\"\n2,plain\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1][1], "hello, \"world\"\nsecond line");
  EXPECT_EQ(r[2][1], "plain");
}

TEST(CsvReader, HandlesCrLfEmptyFieldsAndNoFinalNewline) {
  const auto r = read_all("a,b\r\n,\r\n\"x\",\"\"");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1], (std::vector<std::string>{"", ""}));
  EXPECT_EQ(r[2], (std::vector<std::string>{"x", ""}));
}

TEST(CsvReader, UnterminatedQuoteNamesFileAndLine) {
  std::istringstream in("a\n\n\"never closed\n");
  CsvReader reader(in, "broken.csv");
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.next(fields));
  try {
    reader.next(fields);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.csv: line 3"), std::string::npos) << e.what();
  }
}

// Records are named by the line they start on, as an editor shows it: quoted newlines, blank
// lines and every line ending counted (\n, \r\n, a lone \r).
TEST(CsvReader, RecordLineIsWhereTheRecordStarts) {
  std::istringstream in("id,text\r\n1,\"two\nlines\"\n\n2,x\r3,\"a\r\nb\"\n4,y");
  CsvReader reader(in, "lines.csv");
  std::vector<std::string> fields;
  std::vector<size_t> lines;
  while (reader.next(fields)) lines.push_back(reader.record_line());
  EXPECT_EQ(lines, (std::vector<size_t>{1, 2, 5, 6, 8}));
}

}  // namespace
}  // namespace bertcpp::cli

namespace bertcpp::cli {
namespace {

TEST(CsvReader, BlankLinesAreNoRecordsAndTabsSeparateTsv) {
  EXPECT_EQ(read_all("a,b\n\n1,2\r\n\r\n\n3,4\n\n"),
            (std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(read_all("\"\"\n"), (std::vector<std::vector<std::string>>{{""}}));  // an empty field is a record
  std::istringstream in("id\ttext\n1\thello, world\n");
  CsvReader tsv(in, "test.tsv", '\t');
  std::vector<std::string> fields;
  ASSERT_TRUE(tsv.next(fields) && tsv.next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"1", "hello, world"}));
}

}  // namespace
}  // namespace bertcpp::cli
