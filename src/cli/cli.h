// The bertcpp command line: `bertcpp encode|serve|tokenize|fill-mask|info ...`.
#pragma once

#include <string>
#include <vector>

namespace bertcpp::cli {

// argv[0] is the program name. Returns the process exit code: 0 on success, 1 when the
// command failed (the message is on stderr), CLI11's code for usage errors and --help.
int run(const std::vector<std::string>& argv);

}  // namespace bertcpp::cli
