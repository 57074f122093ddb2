// cpp-httplib's Server, with each connection's socket known to the thread serving it, so a
// request that waits for its batch can notice that its client has hung up and drop its work.
// (cpp-httplib 0.11 hands handlers no socket; this replaces its per-connection loop, which
// is otherwise the same: keep-alive, read/write timeouts, buffered reads.)
#pragma once

#include <httplib.h>

#include <chrono>

namespace bertcpp::server {

class ConnectionServer : public httplib::Server {
 public:
  // After bind_to_port: a longer accept queue than the library's 5, so that a burst of
  // connections waits instead of being reset (the kernel resets connections whose final
  // handshake packet finds a full queue once SYN cookies are in play).
  void set_listen_backlog(int backlog);

 private:
  bool process_and_close_socket(socket_t sock) override;
};

// On a thread serving a connection: true when the peer has closed or reset it.
bool client_disconnected();
// On a thread serving a connection: when the current request's first line arrived.
std::chrono::steady_clock::time_point request_start();

}  // namespace bertcpp::server
