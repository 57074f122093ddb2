// bertcpp.Tokenizer and its Encoding: Hugging Face BertTokenizer's API shape
// (encode(text, text_b), encode_batch, token_to_id / id_to_token).
#include "bindings.h"

#include <climits>
#include <optional>

namespace bertcpp_python {

namespace {

std::string encoding_repr(const bertcpp::Encoding& e) {
  std::string tokens;
  for (size_t i = 0; i < e.tokens.size() && i < 8; ++i) tokens += (i ? ", " : "") + e.tokens[i];
  if (e.tokens.size() > 8) tokens += ", ...";
  return "Encoding(num_tokens=" + std::to_string(e.size()) + ", tokens=[" + tokens + "])";
}

// max_length as the core takes it: None, or an integer >= 2.
std::optional<size_t> max_length_of(const std::optional<py::object>& max_length) {
  if (!max_length) return std::nullopt;
  return static_cast<size_t>(checked_int(*max_length, "max_length", 2, LLONG_MAX));
}

}  // namespace

void bind_tokenizer(py::module_& m) {
  py::class_<bertcpp::Encoding>(m, "Encoding", "One tokenized text or pair, as the model reads it.")
      .def_readonly("ids", &bertcpp::Encoding::ids)
      .def_readonly("type_ids", &bertcpp::Encoding::type_ids)
      .def_readonly("attention_mask", &bertcpp::Encoding::attention_mask)
      .def_readonly("tokens", &bertcpp::Encoding::tokens)
      .def_readonly("offsets", &bertcpp::Encoding::offsets,
                    "[start, end) in Unicode code points of the text (of text_b for B's tokens); "
                    "(0, 0) for [CLS]/[SEP]")
      .def("__len__", &bertcpp::Encoding::size)
      .def("__repr__", &encoding_repr);

  py::class_<bertcpp::Tokenizer, std::shared_ptr<bertcpp::Tokenizer>>(m, "Tokenizer")
      .def(py::init([](const std::string& vocab_file, bool lowercase, std::optional<bool> strip_accents,
                       bool tokenize_chinese_chars) {
             bertcpp::TokenizerOptions options;
             options.lowercase = lowercase;
             options.strip_accents = strip_accents;
             options.tokenize_chinese_chars = tokenize_chinese_chars;
             return std::make_shared<bertcpp::Tokenizer>(vocab_file, options);
           }),
           py::arg("vocab_file"), py::arg("lowercase") = true, py::arg("strip_accents") = py::none(),
           py::arg("tokenize_chinese_chars") = true)
      .def(
          "encode",
          [](const bertcpp::Tokenizer& tok, const py::object& text, std::optional<py::object> text_b,
             std::optional<py::object> max_length) {
            const std::string a = utf8_of(text, "text");
            const std::optional<std::string> b = text_b ? std::optional<std::string>(utf8_of(*text_b, "text_b")) : std::nullopt;
            const std::optional<size_t> length = max_length_of(max_length);
            py::gil_scoped_release release;
            return b ? tok.encode_pair(a, *b, length) : tok.encode(a, length);
          },
          py::arg("text"), py::arg("text_b") = py::none(), py::arg("max_length") = py::none(),
          "[CLS] text [SEP] (text_b [SEP]); max_length counts the special tokens and truncates "
          "like Hugging Face's longest_first.")
      .def(
          "encode_batch",
          [](const bertcpp::Tokenizer& tok, const py::object& inputs, std::optional<py::object> max_length,
             const py::object& threads) {
            std::vector<bertcpp::TextInput> texts = to_text_inputs(inputs);
            bertcpp::BatchOptions options;
            options.max_length = max_length_of(max_length);
            options.threads = static_cast<size_t>(
                checked_int(threads, "threads", 0, static_cast<long long>(bertcpp::Tokenizer::kMaxThreads)));
            SignalCheck signals;  // Ctrl-C lands while tokenizing, not after
            options.keep_going = signals.keep_going();
            return signals.run([&] { return tok.encode_batch(texts, options); });
          },
          py::arg("inputs"), py::arg("max_length") = py::none(), py::arg("threads") = 0,
          "Encodes str or (str, str) items in parallel; results in input order.")
      .def(
          "encode_tokens",
          [](const bertcpp::Tokenizer& tok, const py::object& tokens_a, std::optional<py::object> tokens_b_given,
             std::optional<py::object> max_length) {
            const std::vector<std::string> tokens = to_tokens(tokens_a, "tokens");
            std::optional<std::vector<std::string>> tokens_b;
            if (tokens_b_given) tokens_b = to_tokens(*tokens_b_given, "tokens_b");
            const std::optional<size_t> length = max_length_of(max_length);
            py::gil_scoped_release release;
            return tok.encode_tokens(tokens, tokens_b ? &*tokens_b : nullptr, length);
          },
          py::arg("tokens"), py::arg("tokens_b") = py::none(), py::arg("max_length") = py::none(),
          "Encodes already split tokens; tokens not in the vocabulary become [UNK].")
      .def(
          "tokenize",
          [](const bertcpp::Tokenizer& tok, const py::object& text) {
            const std::string utf8 = utf8_of(text, "text");
            py::gil_scoped_release release;
            return tok.tokenize(utf8);
          },
          py::arg("text"), "WordPiece tokens, without [CLS]/[SEP].")
      .def_property_readonly("vocab_size", [](const bertcpp::Tokenizer& tok) { return tok.vocab().size(); })
      .def(
          "token_to_id",
          [](const bertcpp::Tokenizer& tok, const std::string& token) { return tok.vocab().find(token); },
          py::arg("token"), "The token's id, or None when it is not in the vocabulary.")
      .def(
          "id_to_token",
          [](const bertcpp::Tokenizer& tok, const py::object& id) {
            const long long value = checked_int(id, "id", LLONG_MIN, LLONG_MAX);
            if (value < 0 || value >= static_cast<long long>(tok.vocab().size()))
              throw py::index_error("id " + std::to_string(value) + " is outside [0, vocab_size = " +
                                    std::to_string(tok.vocab().size()) + ")");
            return tok.vocab().token(static_cast<int32_t>(value));
          },
          py::arg("id"),
          "The vocabulary entry of id; IndexError outside [0, vocab_size).")
      .def_property_readonly("lowercase", [](const bertcpp::Tokenizer& tok) { return tok.options().lowercase; })
      .def("__repr__", [](const bertcpp::Tokenizer& tok) {
        return "Tokenizer(vocab_size=" + std::to_string(tok.vocab().size()) +
               ", lowercase=" + (tok.options().lowercase ? "True" : "False") + ")";
      });
}

}  // namespace bertcpp_python
