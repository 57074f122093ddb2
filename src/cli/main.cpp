#include "cli/cli.h"

int main(int argc, char** argv) { return bertcpp::cli::run(std::vector<std::string>(argv, argv + argc)); }
