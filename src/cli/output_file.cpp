#include "cli/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace bertcpp::cli {

namespace {

void refuse_same_file(const std::string& output, const std::string& input) {
  std::error_code ec;
  // equivalent() compares device and inode: it sees through symlinks and hard links.
  if (std::filesystem::equivalent(output, input, ec) && !ec)
    throw std::invalid_argument("--output " + output + " is the input file " + input +
                                " (the same file, a link or a hard link to it): choose another output");
}

}  // namespace

OutputFile::OutputFile(std::string path, const std::string& input)
    : path_(std::move(path)), temp_(path_ + ".partial-" + std::to_string(::getpid())) {
  refuse_same_file(path_, input);
}

std::ofstream OutputFile::open() const {
  std::ofstream out(temp_, std::ios::binary | std::ios::trunc);
  if (!out) {
    const int error = errno;
    const std::filesystem::path folder = std::filesystem::absolute(path_).parent_path();
    std::error_code ec;
    const std::string why = std::filesystem::is_directory(folder, ec) ? std::string(std::strerror(error))
                                                                      : "the folder " + folder.string() + " does not exist";
    throw std::runtime_error("--output " + path_ + ": cannot write there: " + why);
  }
  return out;
}

OutputFile::~OutputFile() {
  if (!committed_) std::remove(temp_.c_str());
}

void OutputFile::commit() {
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error(temp_ + ": cannot rename to " + path_ + ": " + std::strerror(errno));
  committed_ = true;
}

}  // namespace bertcpp::cli
