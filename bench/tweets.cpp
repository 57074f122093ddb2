#include "tweets.h"

#include "cli/csv_reader.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace bertcpp::bench {

std::vector<TextInput> read_tweets(const std::string& csv_path, size_t limit) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + csv_path);
  cli::CsvReader reader(in, csv_path);
  std::vector<std::string> fields;
  if (!reader.next(fields)) throw std::runtime_error(csv_path + " is empty");
  const auto column = std::find(fields.begin(), fields.end(), "text");
  if (column == fields.end()) throw std::runtime_error(csv_path + " has no `text` column in its header");
  const size_t text = static_cast<size_t>(column - fields.begin());
  std::vector<TextInput> tweets;
  while ((limit == 0 || tweets.size() < limit) && reader.next(fields)) {
    if (text < fields.size() && !fields[text].empty()) tweets.push_back({fields[text], std::nullopt});
  }
  return tweets;
}

}  // namespace bertcpp::bench
