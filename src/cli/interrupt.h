// Ctrl-C (SIGINT) and SIGTERM for the length of one command: the first one sets a flag that
// the long loops poll, so the command stops cleanly (no partial output left behind); a second
// one ends the process as usual. The previous handlers come back when the scope ends, so
// running the command from Python leaves the interpreter's Ctrl-C handling as it was.
#pragma once

namespace bertcpp::cli {

class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // True once a signal arrived inside the scope.
  static bool requested();
};

}  // namespace bertcpp::cli
