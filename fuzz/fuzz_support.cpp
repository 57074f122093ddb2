#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <mutex>
#include <vector>

namespace bertcpp::fuzz {
namespace {

std::vector<std::string>& scratch_files() {
  // Never destroyed: the atexit handler below reads it after static destructors may have run.
  static auto* files = new std::vector<std::string>();
  return *files;
}

void remove_scratch_files() {
  for (const std::string& f : scratch_files()) std::remove(f.c_str());
}

}  // namespace

std::string scratch_path(const std::string& suffix) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(remove_scratch_files); });
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string path = std::string(dir) + "/bertcpp-fuzz-" + std::to_string(getpid()) + suffix;
  scratch_files().push_back(path);
  return path;
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
}

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

void check_names(const std::exception& e, const std::string& source) {
  const std::string message = e.what();
  if (message.find(source) != std::string::npos) return;
  std::fprintf(stderr, "error message does not name %s: %s\n", source.c_str(), message.c_str());
  std::abort();
}

void read_every_tensor(const TensorMap& tensors) {
  float sink = 0;
  for (const auto& [name, t] : tensors) {
    check(t.numel() >= 0, "negative element count");
    check(t.numel() == 0 || t.data != nullptr, "tensor without data");
    for (int64_t i = 0; i < t.numel(); ++i) sink += t.data[i];
  }
  volatile float keep = sink;  // the reads must not be optimised away
  (void)keep;
}

}  // namespace bertcpp::fuzz
