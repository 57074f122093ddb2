// An HTTP request body, as every JSON endpoint of `bertcpp serve` reads it: each answer is a
// response body or an HttpError with a status and a message, never a crash (the server died on
// 200 KB of nested lists), another exception, or unbounded work. The bundled model is loaded
// once, with small limits so that an accepted body stays cheap to embed.
#include "fuzz_support.h"

#include "server/api.h"
#include "server/json_io.h"
#include "server/service.h"

#include <bertcpp/encoder.h>

#include <memory>
#include <string>

namespace {

bertcpp::server::Service& service() {
  static const std::unique_ptr<bertcpp::server::Service> s = [] {
    bertcpp::server::ServerOptions options;
    options.encoder.model_dir = BERTCPP_FUZZ_MODEL_DIR;
    options.encoder.threads = 1;
    options.encoder.max_seq_len = 32;
    options.max_inputs = 8;
    options.max_input_bytes = 256;
    return std::make_unique<bertcpp::server::Service>(options);
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bertcpp::server;
  const std::string body(reinterpret_cast<const char*>(data), size);
  Service& s = service();
  const ClientGoneCheck here = [] { return false; };
  const std::function<std::string()> endpoints[] = {
      [&] { return api_encode(s, body, here); },      [&] { return api_embeddings(s, body, here); },
      [&] { return api_embed(s, body, here); },       [&] { return api_tokenize(s, body); },
      [&] { return api_rerank(s, body, here); },      [&] { return api_predict(s, body, here); },
  };
  for (const auto& endpoint : endpoints) {
    try {
      const std::string response = endpoint();
      bertcpp::fuzz::check(!response.empty(), "an endpoint answered with an empty body");
    } catch (const HttpError& e) {
      bertcpp::fuzz::check(e.status >= 400 && e.status < 600 && *e.what() != '\0', "an HttpError without status or message");
      error_body(e.status, e.what());  // the body sent back must be writable for any message
    }
  }
  return 0;
}
