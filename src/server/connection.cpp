#include "server/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace bertcpp::server {

namespace {

thread_local socket_t current_socket = INVALID_SOCKET;
thread_local std::chrono::steady_clock::time_point current_start;

// poll() for `events` up to sec + usec; > 0 when ready, 0 on timeout, < 0 on error.
int wait_for(socket_t sock, short events, time_t sec, time_t usec) {
  pollfd p{sock, events, 0};
  const int ms = static_cast<int>(sec * 1000 + usec / 1000);
  int r;
  do r = poll(&p, 1, ms); while (r < 0 && errno == EINTR);
  return r;
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

class SocketStream : public httplib::Stream {
 public:
  SocketStream(socket_t sock, time_t read_sec, time_t read_usec, time_t write_sec, time_t write_usec)
      : sock_(sock), read_sec_(read_sec), read_usec_(read_usec), write_sec_(write_sec), write_usec_(write_usec) {}

  bool is_readable() const override { return wait_for(sock_, POLLIN, read_sec_, read_usec_) > 0; }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_sec_, write_usec_) > 0; }
  bool has_buffered() const { return begin_ < end_; }

  // Buffered: the library reads request lines a byte at a time.
  ssize_t read(char* ptr, size_t size) override {
    if (begin_ < end_) {
      const size_t n = std::min(size, end_ - begin_);
      std::memcpy(ptr, buffer_.data() + begin_, n);
      begin_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    if (size >= buffer_.size()) return recv_retry(ptr, size);
    const ssize_t n = recv_retry(buffer_.data(), buffer_.size());
    if (n <= 0) return n;
    const size_t take = std::min(size, static_cast<size_t>(n));
    std::memcpy(ptr, buffer_.data(), take);
    begin_ = take;
    end_ = static_cast<size_t>(n);
    return static_cast<ssize_t>(take);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = send(sock_, ptr, size, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t recv_retry(char* ptr, size_t size) {
    ssize_t n;
    do n = recv(sock_, ptr, size, 0); while (n < 0 && errno == EINTR);
    return n;
  }

  socket_t sock_;
  time_t read_sec_, read_usec_, write_sec_, write_usec_;
  std::array<char, 4096> buffer_{};
  size_t begin_ = 0, end_ = 0;
};

}  // namespace

void ConnectionServer::set_listen_backlog(int backlog) {
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, backlog);  // listen() again only resizes the queue
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  int one = 1;
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // answers are one write each: no Nagle delay
  SocketStream stream(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_);
  current_socket = sock;
  // Between requests: wait for the next one up to the keep-alive timeout, looking every
  // 50 ms whether the server is stopping, so that an idle connection does not delay shutdown.
  auto next_request = [&] {
    if (stream.has_buffered()) return true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    while (svr_sock_ != INVALID_SOCKET && std::chrono::steady_clock::now() < deadline) {
      const int r = wait_for(sock, POLLIN, 0, 50000);
      if (r != 0) return r > 0;
    }
    return false;
  };
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET && next_request(); --left) {
    bool connection_closed = false;
    ok = process_request(stream, left == 1, connection_closed,
                         [](httplib::Request&) { current_start = std::chrono::steady_clock::now(); });
    if (!ok || connection_closed) break;
  }
  current_socket = INVALID_SOCKET;
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return ok;
}

bool client_disconnected() {
  if (current_socket == INVALID_SOCKET) return false;
  pollfd p{current_socket, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

std::chrono::steady_clock::time_point request_start() { return current_start; }

}  // namespace bertcpp::server
