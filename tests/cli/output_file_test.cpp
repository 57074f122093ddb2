// OutputFile: the target appears only on commit, a failed run leaves nothing, and an output
// that is the input (same path, symlink, hard link) is refused before anything is written.
#include "cli/output_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bertcpp::cli {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path = fs::path(::testing::TempDir()) / ("bertcpp-output-" + std::to_string(::getpid()));
  Dir() { fs::remove_all(path), fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(OutputFile, TheTargetAppearsOnlyOnCommit) {
  Dir dir;
  write(dir.file("out.npy"), "old");
  {
    OutputFile out(dir.file("out.npy"), dir.file("in.txt"));
    write(out.temp_path(), "new");
    EXPECT_EQ(read(dir.file("out.npy")), "old");
    out.commit();
  }
  EXPECT_EQ(read(dir.file("out.npy")), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
}

TEST(OutputFile, WithoutCommitNothingIsLeftAndTheOldFileStays) {
  Dir dir;
  write(dir.file("out.npy"), "old");
  {
    OutputFile out(dir.file("out.npy"), dir.file("in.txt"));
    write(out.temp_path(), "partial");
  }
  EXPECT_EQ(read(dir.file("out.npy")), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
}

TEST(OutputFile, TheInputIsNeverTheOutput) {
  Dir dir;
  write(dir.file("in.jsonl"), "{}");
  fs::create_symlink(dir.file("in.jsonl"), dir.file("link.jsonl"));
  fs::create_hard_link(dir.file("in.jsonl"), dir.file("hard.jsonl"));
  for (const char* name : {"in.jsonl", "link.jsonl", "hard.jsonl"})
    EXPECT_THROW(OutputFile(dir.file(name), dir.file("in.jsonl")), std::invalid_argument) << name;
  EXPECT_EQ(read(dir.file("in.jsonl")), "{}");
}

// The error names the output asked for (not its temporary name) and why it cannot be written.
TEST(OutputFile, AnOutputThatCannotBeWrittenIsNamedWithTheReason) {
  Dir dir;
  const std::string missing = dir.file("missing/out.npy");
  try {
    OutputFile(missing, dir.file("in.txt")).open();
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "--output " + missing + ": cannot write there: the folder " + dir.file("missing") + " does not exist");
  }
  const OutputFile fine(dir.file("ok.npy"), dir.file("in.txt"));
  EXPECT_TRUE(fine.open().is_open());
}

}  // namespace
}  // namespace bertcpp::cli
