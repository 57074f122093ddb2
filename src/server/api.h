// The endpoints: request JSON -> Service calls -> response JSON. The HTTP layer (server.cpp)
// routes to these and turns a thrown HttpError into its status and error body.
#pragma once

#include "server/service.h"

#include <functional>
#include <string>

namespace bertcpp::server {

using ClientGoneCheck = std::function<bool()>;

// bert-as-service: {"id": x, "texts": [...], "is_tokenized": false, "show_tokens": false}
// -> {"id": x, "result": [[...], ...]} (+ "tokens" with show_tokens, this server's addition).
std::string api_encode(Service& service, const std::string& body, const ClientGoneCheck& gone);
std::string api_status(Service& service);
// OpenAI: {"input": str | [str] | [id] | [[id]], "encoding_format", "dimensions", "model"}.
std::string api_embeddings(Service& service, const std::string& body, const ClientGoneCheck& gone);
// text-embeddings-inference: {"inputs": str | [str], "normalize", "truncate", "prompt_name"}.
std::string api_embed(Service& service, const std::string& body, const ClientGoneCheck& gone);
std::string api_tokenize(Service& service, const std::string& body);
// text-embeddings-inference, for a model with a sequence-classification head (HttpError 424
// otherwise): {"query", "texts", "raw_scores", "return_text", "truncate"} ->
// [{"index", "score", ("text")}] best first, the score as Encoder::rerank gives it.
std::string api_rerank(Service& service, const std::string& body, const ClientGoneCheck& gone);
// {"inputs": str | [a, b] | [str | [a, b], ...], "raw_scores", "truncate"} -> [{"label", "score"}]
// best first for one input, a list of those for a batch; scores as Encoder::predict's logits
// through the head's activation (raw_scores: the logits).
std::string api_predict(Service& service, const std::string& body, const ClientGoneCheck& gone);
std::string api_info(Service& service);

}  // namespace bertcpp::server
