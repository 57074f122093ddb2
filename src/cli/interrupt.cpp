#include "cli/interrupt.h"

#include <csignal>

#include <signal.h>

namespace bertcpp::cli {

namespace {

// The signals that stop a command cleanly: Ctrl-C, kill, a closed terminal or ssh session,
// and a closed pipe on stdout or stderr (`bertcpp encode ... |& head`).
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
constexpr size_t kCount = sizeof(kSignals) / sizeof(kSignals[0]);

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old[kCount];

extern "C" void on_signal(int sig) {
  // A second SIGPIPE only means another write failed (EPIPE): the command is already stopping,
  // and dying now would leave its temporary output behind.
  if (g_signal != 0 && sig != SIGPIPE) {  // the second one: stop now, as without the handler
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  if (g_signal == 0) g_signal = sig;
}

}  // namespace

InterruptScope::InterruptScope() {
  g_signal = 0;
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &action, &g_old[i]);
}

InterruptScope::~InterruptScope() {
  for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
}

bool InterruptScope::requested() { return g_signal != 0; }

int InterruptScope::signal_number() { return g_signal != 0 ? g_signal : SIGINT; }

const char* InterruptScope::signal_name() {
  switch (signal_number()) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    default: return "SIGINT";
  }
}

}  // namespace bertcpp::cli
