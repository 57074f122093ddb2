// Errors any stage may raise for a batch call: a cancelled call, and bad input that says
// which input of the batch it was (so a caller reading a file can name the line).
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>

namespace bertcpp {

// The caller's progress or keep-going callback returned false (or Ctrl-C was seen).
struct Cancelled : std::exception {
  const char* what() const noexcept override { return "encoding cancelled"; }
};

// Input number `index` (0-based, in the list given to the call) is unusable: what() is
// "input <index> <detail>". A std::invalid_argument, so Python sees a ValueError.
class InputError : public std::invalid_argument {
 public:
  InputError(size_t index, const std::string& detail)
      : std::invalid_argument("input " + std::to_string(index) + " " + detail), index_(index), detail_(detail) {}
  size_t index() const { return index_; }
  const std::string& detail() const { return detail_; }

 private:
  size_t index_;
  std::string detail_;
};

}  // namespace bertcpp
