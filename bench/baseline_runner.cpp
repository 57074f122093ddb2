#include "baseline_runner.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace bertcpp::bench {

namespace {

// "RESULT kind=bert shape=8x128 threads=1 seconds=0.123" -> key/value pairs.
std::map<std::string, std::string> fields_of(const std::string& line) {
  std::map<std::string, std::string> f;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) f[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return f;
}

}  // namespace

BaselineResults run_baseline(const std::string& command) {
  BaselineResults r;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) {
    r.message = "could not run " + command;
    return r;
  }
  char buffer[4096];
  std::string last_line;
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.rfind("RESULT ", 0) != 0) {
      if (!line.empty()) last_line = line;
      continue;
    }
    auto f = fields_of(line);
    if (f["kind"] == "version") {
      r.available = true;
      r.version = f["version"];
    } else if (f["kind"] == "skip") {
      r.message = f["reason"];
    } else if (f["kind"] == "gemm") {
      r.values["gemm/" + f["threads"]] = std::stod(f["gflops"]);
    } else if (f["kind"] == "bert" || f["kind"] == "bert_int8") {
      r.values[f["kind"] + "/" + f["shape"] + "/" + f["threads"]] = std::stod(f["seconds"]);
    }
  }
  if (!r.available && r.message.empty()) r.message = last_line.empty() ? "no output from " + command : last_line;
  return r;
}

BaselineServer::BaselineServer(const std::string& command) {
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    message_ = "could not make pipes for " + command;
    return;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a baseline that dies makes run_once throw, not this process exit
  pid_ = fork();
  if (pid_ == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  if (pid_ < 0) {
    close(to_child[1]);
    close(from_child[0]);
    message_ = "could not start " + command;
    return;
  }
  to_ = fdopen(to_child[1], "w");
  from_ = fdopen(from_child[0], "r");
  const auto f = fields_of(read_line());
  if (f.count("version") != 0) {
    version_ = f.at("version");
  } else {
    message_ = f.count("reason") != 0 ? f.at("reason") : "no version line from " + command;
  }
}

BaselineServer::~BaselineServer() {
  if (to_ != nullptr) std::fclose(to_);  // end of its input: it exits
  if (from_ != nullptr) std::fclose(from_);
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

std::string BaselineServer::read_line() {
  char buffer[4096];
  if (from_ == nullptr || std::fgets(buffer, sizeof buffer, from_) == nullptr) return "";
  std::string line(buffer);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

double BaselineServer::run_once(const std::string& kind, const std::string& shape, int threads) {
  if (!available()) throw std::runtime_error("baseline not running: " + message_);
  std::fprintf(to_, "run %s %s %d\n", kind.c_str(), shape.c_str(), threads);
  std::fflush(to_);
  const std::string reply = read_line();
  if (reply.rfind("TIME ", 0) == 0) return std::stod(reply.substr(5));
  throw std::runtime_error(reply.empty() ? "the baseline exited" : reply);
}

}  // namespace bertcpp::bench
