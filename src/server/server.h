// `bertcpp serve`: one Encoder behind an HTTP server that batches requests from many clients.
//
// Endpoints (JSON in and out): bert-as-service's POST /encode and GET /status/server,
// OpenAI's POST /v1/embeddings, text-embeddings-inference's POST /embed, POST /tokenize,
// GET /health, GET /info, and GET /metrics (Prometheus text).
#pragma once

#include <bertcpp/encoder.h>

#include <cstddef>
#include <functional>
#include <string>

namespace bertcpp::server {

struct ServerOptions {
  EncoderOptions encoder;
  std::string host = "127.0.0.1";  // loopback only unless asked
  int port = 8125;                 // bert-as-service's HTTP port; 0: any free port
  size_t max_batch_tokens = 16384; // tokens a batch across requests holds at most
  size_t max_queue = 256;          // requests waiting for a batch; more get 503
  size_t max_body_bytes = 8u << 20;
  size_t max_inputs = 1024;        // texts a request
  size_t max_input_bytes = 64u << 10;  // bytes a text
  double timeout_seconds = 60;     // a request still waiting after this gets 504
  std::string api_key;             // empty: no authentication
  size_t http_threads = 64;        // connections served at once (they mostly wait)
  // Called once the port is bound, with the port (useful with port 0).
  std::function<void(const std::string& host, int port)> on_listening;
};

// Loads the model, serves until SIGINT or SIGTERM, then lets the requests in flight finish
// and returns. Throws std::invalid_argument for bad options, std::runtime_error when the
// address cannot be bound.
void serve(const ServerOptions& options);

}  // namespace bertcpp::server
