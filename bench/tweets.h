// The bundled tweets (data/trump_tweets.csv, column `text`): the end-to-end workload.
#pragma once

#include <bertcpp/tokenizer/tokenizer.h>

#include <string>
#include <vector>

namespace bertcpp::bench {

// The first `limit` texts (0: all). Throws std::runtime_error naming the file when it is
// missing or has no `text` column.
std::vector<TextInput> read_tweets(const std::string& csv_path, size_t limit = 0);

}  // namespace bertcpp::bench
