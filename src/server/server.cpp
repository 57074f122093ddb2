// The HTTP layer (cpp-httplib): routes, authentication, limits, error bodies, metrics, and
// SIGINT/SIGTERM handling. The endpoints themselves are in api.cpp.
#include "server/server.h"

#include "server/api.h"
#include "server/connection.h"
#include "server/json_io.h"
#include "server/service.h"

#include <httplib.h>

#include <malloc.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <set>
#include <thread>

namespace bertcpp::server {

namespace {

std::atomic<bool> stop_requested{false};  // lock-free, so safe to set from a signal handler
thread_local bool counted_in_flight = false;  // pre-routing ran for this thread's current request

const std::set<std::string> kEndpoints = {"/encode", "/status/server", "/v1/embeddings", "/embeddings", "/embed",
                                          "/tokenize", "/health", "/info", "/metrics", "/rerank", "/predict"};

// Compares in time independent of where the strings differ.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void set_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_body(status, message), "application/json");
  if (status == 503) res.set_header("Retry-After", "1");
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
}

// Runs an endpoint: its JSON on success, the error body for HttpError and bad input.
template <typename F>
void answer(httplib::Response& res, F&& endpoint) {
  try {
    res.set_content(endpoint(), "application/json");
  } catch (const HttpError& e) {
    set_error(res, e.status, e.what());
  } catch (const ClientGone&) {
    set_error(res, 499, "the client disconnected");  // nobody reads it; counted in the metrics
  } catch (const std::invalid_argument& e) {
    set_error(res, 400, e.what());
  } catch (const std::exception& e) {
    set_error(res, 500, e.what());
  }
}

}  // namespace

void serve(const ServerOptions& options) {
  if (options.encoder.pooling == PoolingStrategy::None && !options.encoder.max_seq_len)
    throw std::invalid_argument("--pooling NONE needs --max-seq-len: every answer is [max_seq_len, H] a text");
  if (options.max_batch_tokens == 0) throw std::invalid_argument("--max-batch-tokens must be at least 1");
  if (options.max_queue == 0) throw std::invalid_argument("--max-queue must be at least 1");
  if (options.http_threads == 0) throw std::invalid_argument("--http-threads must be at least 1");
  if (!(options.timeout_seconds > 0)) throw std::invalid_argument("--timeout must be positive");
  if (options.port < 0 || options.port > 65535)
    throw std::invalid_argument("--port " + std::to_string(options.port) + " is outside [0, 65535]");

  // Any thread may receive the signal (libraries start threads of their own before this
  // runs), so the handler only raises a flag that a watcher thread below acts on.
  stop_requested = false;
  // SIGHUP too: a closed terminal or ssh session stops it as cleanly as Ctrl-C.
  struct sigaction on_stop {}, old_int{}, old_term{}, old_hup{};
  on_stop.sa_handler = [](int) { stop_requested = true; };
  sigemptyset(&on_stop.sa_mask);
  sigaction(SIGINT, &on_stop, &old_int);
  sigaction(SIGTERM, &on_stop, &old_term);
  sigaction(SIGHUP, &on_stop, &old_hup);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
  // glibc raises its mmap threshold to the largest block freed, after which batch buffers of
  // every size are carved from the per-thread heaps, which fragment: a long-running server's
  // memory then creeps up with each burst. A fixed threshold keeps big buffers in mmap, so
  // they go back to the system when freed.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  auto restore_signals = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGHUP, &old_hup, nullptr);
  };

  Service service(options);
  ConnectionServer http;
  const size_t threads = options.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options.max_body_bytes);
  // The library's default also sets SO_REUSEPORT, with which a second server on the same port
  // started fine and took half of the first one's requests. SO_REUSEADDR alone still lets a
  // restarted server bind while the old connections linger in TIME_WAIT.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  http.set_keep_alive_max_count(1000);  // the library's 5 makes busy clients reconnect constantly

  http.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    service.metrics().in_flight(+1);
    counted_in_flight = true;
    if (!options.api_key.empty() && req.path != "/health") {
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) != 0 || !same_secret(auth.substr(7), options.api_key)) {
        set_error(res, 401, auth.empty() ? "missing 'Authorization: Bearer <key>': this server needs its --api-key"
                                         : "wrong API key");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Statuses the library sets itself (404, 413, 400 on a bad request line) get a JSON body too.
  http.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) set_error(res, 404, "no endpoint " + req.method + " " + req.path);
    else if (res.status == 413)
      set_error(res, 413, "the request body is larger than the server's --max-body-bytes = " + std::to_string(options.max_body_bytes));
    else set_error(res, res.status, "HTTP status " + std::to_string(res.status));
  });
  http.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      set_error(res, 500, e.what());
    } catch (...) {
      set_error(res, 500, "unknown error");
    }
  });
  http.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    if (counted_in_flight) service.metrics().in_flight(-1);
    counted_in_flight = false;
    const std::string endpoint = kEndpoints.count(req.path) ? req.path : "other";
    service.metrics().request(endpoint, res.status, std::chrono::duration<double>(Clock::now() - request_start()).count());
  });

  auto gone = [] { return client_disconnected(); };
  // POST bodies are read here, whatever their Content-Type (curl -d says form-urlencoded, which
  // the library would otherwise parse as a form, with its own 8 KiB limit).
  auto post = [&](const char* path, std::function<std::string(const std::string&)> endpoint) {
    http.Post(path, [&, endpoint](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
      if (req.is_multipart_form_data()) return set_error(res, 400, "send the request as JSON, not multipart/form-data");
      std::string body;
      bool too_big = false;
      if (!read([&](const char* data, size_t n) {
            // The library checks a Content-Length against the limit, not a chunked body's size.
            too_big = body.size() + n > options.max_body_bytes;
            if (!too_big) body.append(data, n);
            return !too_big;
          })) {
        if (too_big || res.status == 413)
          return set_error(res, 413, "the request body is larger than the server's --max-body-bytes = " +
                                         std::to_string(options.max_body_bytes));
        return set_error(res, 400, "the request body could not be read (cut short?)");
      }
      answer(res, [&] { return endpoint(body); });
    });
  };
  post("/encode", [&](const std::string& body) { return api_encode(service, body, gone); });
  post("/v1/embeddings", [&](const std::string& body) { return api_embeddings(service, body, gone); });
  post("/embeddings", [&](const std::string& body) { return api_embeddings(service, body, gone); });
  post("/embed", [&](const std::string& body) { return api_embed(service, body, gone); });
  post("/tokenize", [&](const std::string& body) { return api_tokenize(service, body); });
  http.Get("/status/server", [&](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return api_status(service); });
  });
  post("/rerank", [&](const std::string& body) { return api_rerank(service, body, gone); });
  post("/predict", [&](const std::string& body) { return api_predict(service, body, gone); });
  http.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    if (service.draining()) set_error(res, 503, "the server is shutting down");
    else res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  http.Get("/info", [&](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return api_info(service); });
  });
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(service.metrics().render(), "text/plain; version=0.0.4");
  });

  int port = options.port;
  if (port == 0) port = http.bind_to_any_port(options.host);
  else if (!http.bind_to_port(options.host, port)) port = -1;
  if (port < 0) {
    restore_signals();
    throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                             " (in use, or not an address of this machine)");
  }
  http.set_listen_backlog(SOMAXCONN);
  if (!is_loopback(options.host) && options.api_key.empty())
    std::cerr << "bertcpp serve: warning: listening on " << options.host
              << " without --api-key: anyone who can reach this address can use the server" << std::endl;
  if (options.on_listening) options.on_listening(options.host, port);

  // Stops the listener on SIGINT/SIGTERM/SIGHUP; the thread pool then finishes the requests in flight.
  std::atomic<bool> done{false};
  std::thread signals([&] {
    while (!done) {
      if (stop_requested) {
        std::cerr << "bertcpp serve: stopping: finishing the requests in flight" << std::endl;
        http.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  http.listen_after_bind();  // returns once stopped and every connection's thread has finished
  done = true;
  signals.join();
  service.drain();
  restore_signals();
}

}  // namespace bertcpp::server
