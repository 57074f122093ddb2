#include "server/api.h"

#include "server/json_io.h"

#include <bertcpp/detail/heads/classifier.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/version.h>
#include <bertcpp/pooling/pooling.h>
#include <bertcpp/tokenizer/pair_marker.h>

#include <algorithm>

namespace bertcpp::server {

using nlohmann::json;

namespace {

const char* kVersion = BERTCPP_VERSION;

HttpError bad_field(const std::string& field, const std::string& expected, const json& value) {
  return HttpError(400, "field '" + field + "' must be " + expected + ", got " + value.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 80));
}

// A string or a list of strings.
std::vector<std::string> strings_of(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end()) throw HttpError(400, "field '" + field + "' is missing");
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) throw bad_field(field, "a string or a list of strings", *it);
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) throw bad_field(field + "[" + std::to_string(i) + "]", "a string", (*it)[i]);
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

// "first ||| second" is a pair on every endpoint, as in Encoder::encode's callers.
std::vector<TextInput> as_inputs(std::vector<std::string> texts) {
  std::vector<TextInput> inputs;
  inputs.reserve(texts.size());
  for (auto& t : texts) inputs.push_back(split_pair(std::move(t)));
  return inputs;
}

// Row r of rows as JSON: a flat list, or [T][k*H] for pooling NONE (token by token).
void append_row(std::string& out, const Service& service, const RowMatrix& rows, Eigen::Index r) {
  const Encoder& encoder = service.encoder();
  if (encoder.pooling_modes().front() != PoolingStrategy::None) {
    append_floats(out, rows.row(r).data(), static_cast<size_t>(rows.cols()));
    return;
  }
  const size_t steps = encoder.max_tokens();  // NONE rows are [max tokens, k * H]
  const size_t width = static_cast<size_t>(rows.cols()) / steps;
  out.push_back('[');
  for (size_t t = 0; t < steps; ++t) {
    if (t) out.push_back(',');
    append_floats(out, rows.row(r).data() + t * width, width);
  }
  out.push_back(']');
}

void append_rows(std::string& out, const Service& service, const RowMatrix& rows) {
  out.push_back('[');
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    if (r) out.push_back(',');
    append_row(out, service, rows, r);
  }
  out.push_back(']');
}

size_t count_tokens(const std::vector<Encoding>& encodings) {
  size_t n = 0;
  for (const auto& e : encodings) n += e.size();
  return n;
}

std::string pooling_name(const Encoder& encoder) {
  std::string name;
  for (PoolingStrategy mode : encoder.pooling_modes()) name += (name.empty() ? "" : "+") + to_string(mode);
  return name;
}

}  // namespace

std::string api_encode(Service& service, const std::string& body, const ClientGoneCheck& gone) {
  const json request = parse_object(body);
  const bool tokenized = get_bool(request, "is_tokenized", false);
  const bool show_tokens = get_bool(request, "show_tokens", false);
  std::vector<Encoding> encodings;
  auto texts = request.find("texts");
  if (texts == request.end()) throw HttpError(400, "field 'texts' is missing");
  if (!texts->is_array()) throw bad_field("texts", tokenized ? "a list of token lists" : "a list of strings", *texts);
  if (tokenized) {
    std::vector<std::vector<std::string>> tokens;
    for (size_t i = 0; i < texts->size(); ++i) {
      const json& t = (*texts)[i];
      if (!t.is_array()) throw bad_field("texts[" + std::to_string(i) + "]", "a list of strings (is_tokenized)", t);
      tokens.emplace_back();
      for (const json& s : t) {
        if (!s.is_string()) throw bad_field("texts[" + std::to_string(i) + "]", "a list of strings (is_tokenized)", t);
        tokens.back().push_back(s.get<std::string>());
      }
    }
    encodings = service.from_tokens(tokens);
  } else {
    encodings = service.tokenize(as_inputs(strings_of(request, "texts")));
  }
  const RowMatrix rows = service.embed(encodings, gone);
  std::string out = "{\"id\":" + request.value("id", json()).dump(-1, ' ', false, json::error_handler_t::replace) + ",\"result\":";
  append_rows(out, service, rows);
  if (show_tokens) {
    json tokens = json::array();
    for (const auto& e : encodings) tokens.push_back(e.tokens);
    out += ",\"tokens\":" + tokens.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += "}";
  return out;
}

std::string api_status(Service& service) {
  const Encoder& encoder = service.encoder();
  const EncoderOptions& o = encoder.options();
  const ServerOptions& s = service.options();
  json status = {
      {"model_dir", o.model_dir},
      {"max_seq_len", o.max_seq_len ? json(*o.max_seq_len) : json()},
      {"pooling_strategy", pooling_name(encoder)},
      {"pooling_layer", encoder.pooling_layers()},
      {"dim", encoder.dim()},
      {"max_batch_size", o.batch_size},
      {"max_batch_tokens", s.max_batch_tokens},
      {"num_worker", 1},
      {"num_threads", o.threads},
      {"precision", precision_name(o.precision)},
      {"normalize", encoder.normalizes()},
      {"show_tokens_to_client", true},
      {"server_version", kVersion},
      {"http_port", s.port},
      {"num_request", service.requests_embedded()},
      {"num_queued", service.queued()},
      {"config", json::parse(encoder.model().config().to_json())},
  };
  return status.dump();
}

std::string api_embeddings(Service& service, const std::string& body, const ClientGoneCheck& gone) {
  const json request = parse_object(body);
  const std::string format = get_string(request, "encoding_format", "float");
  if (format != "float" && format != "base64")
    throw HttpError(400, "field 'encoding_format' must be \"float\" or \"base64\", got \"" + format + "\"");
  auto input = request.find("input");
  if (input == request.end()) throw HttpError(400, "field 'input' is missing");
  const char* expected = "a string, a list of strings, a list of token ids or a list of token-id lists";
  std::vector<Encoding> encodings;
  if (input->is_string() || (input->is_array() && !input->empty() && (*input)[0].is_string())) {
    encodings = service.tokenize(as_inputs(strings_of(request, "input")));
  } else if (input->is_array() && !input->empty()) {
    // Token ids: one list of ints, or a list of such lists.
    const bool nested = (*input)[0].is_array();
    std::vector<std::vector<int64_t>> ids;
    auto read_ids = [&](const json& list, size_t index, const std::string& where) {
      std::vector<int64_t> out;
      if (!list.is_array() || list.empty()) throw bad_field(where, "a non-empty list of token ids", list);
      for (const json& v : list) {
        if (!v.is_number_integer()) throw bad_field(where, "a list of integer token ids", list);
        // Past int64 (a large unsigned JSON number) no vocabulary reaches: named as it was sent.
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
          service.id_outside_vocabulary(index, out.size(), v.dump());
        out.push_back(v.get<int64_t>());
      }
      return out;
    };
    if (nested) {
      for (size_t i = 0; i < input->size(); ++i) ids.push_back(read_ids((*input)[i], i, "input[" + std::to_string(i) + "]"));
    } else {
      ids.push_back(read_ids(*input, 0, "input"));
    }
    encodings = service.from_ids(ids);
  } else {
    throw bad_field("input", expected, *input);
  }

  const Encoder& encoder = service.encoder();
  const long long full = static_cast<long long>(encoder.dim());
  const long long dimensions = get_int(request, "dimensions", full);
  if (encoder.pooling_modes().front() == PoolingStrategy::None && dimensions != full)
    throw HttpError(400, "field 'dimensions' needs a pooled model; this server runs pooling NONE");
  if (dimensions < 1 || dimensions > full)
    throw HttpError(400, "field 'dimensions' = " + std::to_string(dimensions) + " is outside [1, " + std::to_string(full) + "]");

  RowMatrix rows = service.embed(encodings, gone);
  if (dimensions != full) {
    // Matryoshka: the leading dimensions, re-normalized when the server normalizes.
    RowMatrix cut = rows.leftCols(dimensions);
    if (encoder.normalizes()) l2_normalize_rows(cut);
    rows = std::move(cut);
  }
  std::string out = "{\"object\":\"list\",\"data\":[";
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    if (r) out.push_back(',');
    out += "{\"object\":\"embedding\",\"index\":" + std::to_string(r) + ",\"embedding\":";
    if (format == "base64") {
      out += "\"" + base64_floats(rows.row(r).data(), static_cast<size_t>(rows.cols())) + "\"";
    } else {
      append_floats(out, rows.row(r).data(), static_cast<size_t>(rows.cols()));
    }
    out.push_back('}');
  }
  const size_t tokens = count_tokens(encodings);
  const std::string model = get_string(request, "model", service.model_name());
  out += "],\"model\":" + json(model).dump(-1, ' ', false, json::error_handler_t::replace) +
         ",\"usage\":{\"prompt_tokens\":" + std::to_string(tokens) + ",\"total_tokens\":" + std::to_string(tokens) + "}}";
  return out;
}

std::string api_embed(Service& service, const std::string& body, const ClientGoneCheck& gone) {
  const json request = parse_object(body);
  const bool normalize = get_bool(request, "normalize", true);
  const bool truncate = get_bool(request, "truncate", false);
  const std::string prompt = get_string(request, "prompt_name", "");
  if (!prompt.empty()) throw HttpError(400, "field 'prompt_name' = \"" + prompt + "\": this model defines no prompts");
  const std::string direction = get_string(request, "truncation_direction", "Right");
  if (direction != "Right" && direction != "right")
    throw HttpError(400, "field 'truncation_direction' = \"" + direction + "\": only \"Right\" is supported");
  std::optional<size_t> max_length;
  if (truncate) max_length = service.max_tokens();
  const std::vector<Encoding> encodings = service.tokenize(as_inputs(strings_of(request, "inputs")), max_length);
  RowMatrix rows = service.embed(encodings, gone);
  if (normalize && !service.encoder().normalizes()) l2_normalize_rows(rows);
  std::string out;
  append_rows(out, service, rows);
  return out;
}

std::string api_tokenize(Service& service, const std::string& body) {
  const json request = parse_object(body);
  if (!get_bool(request, "add_special_tokens", true))
    throw HttpError(400, "field 'add_special_tokens' = false is not supported: tokens always include [CLS] and [SEP]");
  const std::vector<Encoding> encodings = service.tokenize(as_inputs(strings_of(request, "inputs")));
  const Vocab& vocab = service.encoder().tokenizer().vocab();
  json out = json::array();
  for (const auto& e : encodings) {
    json tokens = json::array();
    for (size_t t = 0; t < e.size(); ++t) {
      const int32_t id = e.ids[t];
      const bool special = id == vocab.cls_id() || id == vocab.sep_id() || id == vocab.pad_id() || id == vocab.mask_id();
      tokens.push_back({{"id", id},
                        {"text", e.tokens[t]},
                        {"special", special},
                        {"start", special ? json() : json(e.offsets[t].first)},
                        {"stop", special ? json() : json(e.offsets[t].second)}});
    }
    out.push_back(std::move(tokens));
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// TEI's truncate: cut inputs to the model's length instead of refusing them.
std::optional<size_t> truncation(Service& service, const json& request) {
  if (get_bool(request, "truncate", false)) return service.max_tokens();
  return std::nullopt;
}

// TEI's raw_scores: the logits, else the scores people read (the head's activation).
RowMatrix scored(const Service& service, const json& request, RowMatrix logits) {
  if (get_bool(request, "raw_scores", false)) return logits;
  return service.require_classifier().scores(logits);
}

// 0..n-1 by score(i), best first, ties in index order (Encoder::rerank's order).
template <typename Score>
std::vector<size_t> best_first(size_t n, Score score) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
  return order;
}

// One float as a JSON number that parses back to the same float32 bits.
std::string number(float value) {
  std::string list;
  append_floats(list, &value, 1);
  return list.substr(1, list.size() - 2);  // [v] -> v
}

// One /predict input: a string, or a list of one string or of two (a pair).
TextInput predict_input(const json& item, const std::string& where) {
  if (item.is_string()) return {item.get<std::string>(), std::nullopt};
  if (item.is_array() && (item.size() == 1 || item.size() == 2) && item[0].is_string() && item.back().is_string()) {
    if (item.size() == 1) return {item[0].get<std::string>(), std::nullopt};
    return {item[0].get<std::string>(), item[1].get<std::string>()};
  }
  throw bad_field(where, "a string or a pair [\"a\", \"b\"]", item);
}

}  // namespace

std::string api_rerank(Service& service, const std::string& body, const ClientGoneCheck& gone) {
  service.require_classifier();
  const json request = parse_object(body);
  auto query = request.find("query");
  if (query == request.end()) throw HttpError(400, "field 'query' is missing");
  if (!query->is_string()) throw bad_field("query", "a string", *query);
  const std::vector<std::string> documents = strings_of(request, "texts");
  const bool return_text = get_bool(request, "return_text", false);
  std::vector<TextInput> pairs;
  pairs.reserve(documents.size());
  for (const std::string& d : documents) pairs.push_back({query->get<std::string>(), d});
  const std::vector<Encoding> encodings = service.tokenize(pairs, truncation(service, request));
  const RowMatrix scores = scored(service, request, service.classify(encodings, gone));
  std::string out = "[";
  for (size_t i : best_first(documents.size(), [&](size_t d) { return scores(static_cast<Eigen::Index>(d), 0); })) {
    if (out.size() > 1) out.push_back(',');
    out += "{\"index\":" + std::to_string(i) + ",\"score\":" + number(scores(static_cast<Eigen::Index>(i), 0));
    if (return_text) out += ",\"text\":" + json(documents[i]).dump(-1, ' ', false, json::error_handler_t::replace);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string api_predict(Service& service, const std::string& body, const ClientGoneCheck& gone) {
  const SequenceClassifier& head = service.require_classifier();
  const json request = parse_object(body);
  auto inputs = request.find("inputs");
  if (inputs == request.end()) throw HttpError(400, "field 'inputs' is missing");
  // TEI's reading: a string or a pair ["a", "b"] is one input (answered with one list), any
  // other list is a batch of strings and pairs (answered with a list of lists).
  const bool single = inputs->is_string() || (inputs->is_array() && inputs->size() == 2 && (*inputs)[0].is_string() &&
                                               (*inputs)[1].is_string());
  std::vector<TextInput> texts;
  if (single) {
    texts.push_back(predict_input(*inputs, "inputs"));
  } else {
    if (!inputs->is_array()) throw bad_field("inputs", "a string, a pair [\"a\", \"b\"] or a list of them", *inputs);
    for (size_t i = 0; i < inputs->size(); ++i)
      texts.push_back(predict_input((*inputs)[i], "inputs[" + std::to_string(i) + "]"));
  }
  const std::vector<Encoding> encodings = service.tokenize(texts, truncation(service, request));
  const RowMatrix scores = scored(service, request, service.classify(encodings, gone));
  std::string out = single ? "" : "[";
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    if (r) out.push_back(',');
    // Labels by score, best first, as TEI lists them.
    out.push_back('[');
    for (size_t l : best_first(head.num_labels(), [&](size_t l) { return scores(r, static_cast<Eigen::Index>(l)); })) {
      if (out.back() != '[') out.push_back(',');
      out += "{\"label\":" + json(head.labels()[l]).dump(-1, ' ', false, json::error_handler_t::replace) +
             ",\"score\":" + number(scores(r, static_cast<Eigen::Index>(l))) + "}";
    }
    out.push_back(']');
  }
  if (!single) out.push_back(']');
  return out;
}

namespace {

// TEI's /info model_type: a classifier (what /predict and /rerank serve) or an embedding model.
json model_type(const Encoder& encoder) {
  if (const SequenceClassifier* head = encoder.classifier()) {
    json id2label = json::object();
    for (size_t i = 0; i < head->num_labels(); ++i) id2label[std::to_string(i)] = head->labels()[i];
    return {{"classifier", {{"id2label", id2label}}}, {"embedding", {{"pooling", pooling_name(encoder)}}}};
  }
  return {{"embedding", {{"pooling", pooling_name(encoder)}}}};
}

}  // namespace

std::string api_info(Service& service) {
  const Encoder& encoder = service.encoder();
  const ServerOptions& s = service.options();
  json info = {
      {"model_id", service.model_name()},
      {"model_dir", encoder.options().model_dir},
      {"model_dtype", precision_name(encoder.options().precision)},
      {"model_type", model_type(encoder)},
      {"dim", encoder.dim()},
      {"max_input_length", service.max_tokens()},
      {"max_batch_tokens", s.max_batch_tokens},
      {"max_client_batch_size", s.max_inputs},
      {"max_concurrent_requests", s.max_queue},
      {"max_input_bytes", s.max_input_bytes},
      {"timeout_seconds", s.timeout_seconds},
      {"tokenization_workers", s.http_threads},
      {"version", kVersion},
  };
  return info.dump();
}

}  // namespace bertcpp::server
