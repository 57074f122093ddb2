// Ctrl-C (SIGINT), SIGTERM, SIGHUP and SIGPIPE for the length of one command: the first one
// sets a flag that the long loops poll, so the command stops cleanly (no partial output left
// behind; exit status 128 + the signal, as if it had killed the process); a second INT, TERM
// or HUP ends the process as usual. The previous handlers come back when the scope ends, so
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
  // The first signal that arrived (SIGINT if none: a cancel from elsewhere) and its name.
  static int signal_number();
  static const char* signal_name();
};

}  // namespace bertcpp::cli
