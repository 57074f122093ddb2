// bertcpp._bertcpp.Encoder: texts -> pooled vectors with the GIL released, progress
// reported to Python between batches, and Ctrl-C honoured there.
#include "bindings.h"

#include <algorithm>
#include <functional>

namespace bertcpp_python {

namespace {

// Runs `work` without the GIL, giving it a progress callback that takes the GIL between
// batches to check for signals (Ctrl-C) and to call `on_progress(done, total)` if given.
// A pending signal, an exception from on_progress, or on_progress returning False cancels
// the encoding; the Python exception (KeyboardInterrupt, ...) is then re-raised here.
// `keep_going` (polled while tokenizing) checks for signals only.
void run_cancellable(const py::object& on_progress,
                     const std::function<void(const bertcpp::ProgressCallback&, const std::function<bool()>&)>& work) {
  std::shared_ptr<py::error_already_set> pending;
  std::function<bool()> check_signals = [&] {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() == 0) return true;
    pending = std::make_shared<py::error_already_set>();
    return false;
  };
  bertcpp::ProgressCallback callback = [&](size_t done, size_t total) {
    py::gil_scoped_acquire acquire;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!on_progress.is_none()) {
        py::object keep_going = on_progress(done, total);
        if (keep_going.is_none()) return true;
        if (!py::isinstance<py::bool_>(keep_going) &&
            std::string(py::str(py::type::handle_of(keep_going).attr("__name__"))) != "bool_") {
          PyErr_SetString(PyExc_TypeError, ("progress callback must return True, False or None, got " +
                                            std::string(py::repr(keep_going)))
                                               .c_str());
          throw py::error_already_set();
        }
        if (!keep_going.cast<bool>()) return false;
      }
    } catch (py::error_already_set& e) {
      pending = std::make_shared<py::error_already_set>(std::move(e));
      return false;
    }
    return true;
  };
  try {
    py::gil_scoped_release release;
    work(callback, check_signals);
  } catch (const bertcpp::Cancelled&) {
    if (pending) throw *pending;  // KeyboardInterrupt, TimeoutError, ... as raised
    throw;                        // the callback returned False: bertcpp.Cancelled
  }
}

py::object tokens_of(const std::vector<bertcpp::Encoding>& encodings) {
  py::list tokens;
  for (const auto& e : encodings) tokens.append(py::cast(e.tokens));
  return tokens;
}

// [n, dim] pooled; [n, T, H * layers] for PoolingStrategy::None (the C++ side gives [n, T * width]).
py::array_t<float> shaped(const bertcpp::Encoder& encoder, bertcpp::RowMatrix&& out) {
  if (encoder.options().pooling != bertcpp::PoolingStrategy::None) return to_numpy(std::move(out));
  const py::ssize_t width =
      static_cast<py::ssize_t>(encoder.model().config().hidden_size) * encoder.options().pooling_layers.size();
  const py::ssize_t rows = out.rows(), steps = out.cols() / width;
  return to_numpy(std::move(out), {rows, steps, width});
}

std::string pooling_name(const bertcpp::Encoder& e) { return bertcpp::to_string(e.options().pooling); }

}  // namespace

void bind_encoder(py::module_& m) {
  py::register_exception<bertcpp::Cancelled>(m, "Cancelled", PyExc_RuntimeError);

  py::class_<bertcpp::Encoder, std::shared_ptr<bertcpp::Encoder>>(m, "Encoder")
      .def(py::init([](const std::string& model_dir, const std::string& pooling_strategy,
                       const std::vector<int>& pooling_layers, std::optional<size_t> max_seq_len, int threads,
                       size_t batch_size, const std::string& precision) {
             bertcpp::EncoderOptions options;
             options.model_dir = model_dir;
             options.pooling = bertcpp::parse_pooling_strategy(pooling_strategy);
             options.pooling_layers = pooling_layers;
             options.max_seq_len = max_seq_len;
             options.threads = threads;
             options.batch_size = batch_size;
             options.precision = bertcpp::parse_precision(precision);
             py::gil_scoped_release release;
             return std::make_shared<bertcpp::Encoder>(options);
           }),
           py::arg("model_dir") = "", py::arg("pooling_strategy") = "REDUCE_MEAN",
           py::arg("pooling_layers") = std::vector<int>{-2}, py::arg("max_seq_len") = py::none(),
           py::arg("threads") = 0, py::arg("batch_size") = 32, py::arg("precision") = "float32")
      .def(
          "encode",
          [](const bertcpp::Encoder& encoder, const py::sequence& texts, const py::object& progress,
             bool show_tokens) {
            std::vector<bertcpp::TextInput> inputs = to_text_inputs(texts);
            std::vector<bertcpp::Encoding> encodings;
            bertcpp::RowMatrix out;
            run_cancellable(progress, [&](const bertcpp::ProgressCallback& callback,
                                          const std::function<bool()>& keep_going) {
              if (!show_tokens) {  // streams: no per-text token strings are kept
                out = encoder.encode(inputs, callback, keep_going);
                return;
              }
              encodings = encoder.tokenize(inputs);
              out = encoder.encode_encodings(encodings, callback);
            });
            py::object tokens = show_tokens ? tokens_of(encodings) : py::none();
            return py::make_tuple(shaped(encoder, std::move(out)), tokens);
          },
          py::arg("texts"), py::arg("progress") = py::none(), py::arg("show_tokens") = false,
          "(vectors, tokens or None) for str or (str, str) items.")
      .def(
          "encode_tokenized",
          [](const bertcpp::Encoder& encoder, const py::sequence& token_lists, const py::object& progress,
             bool show_tokens) {
            std::vector<std::vector<std::string>> texts;
            texts.reserve(py::len(token_lists));
            for (size_t i = 0; i < py::len(token_lists); ++i)
              texts.push_back(to_tokens(token_lists[i], "element " + std::to_string(i)));
            std::vector<bertcpp::Encoding> encodings;
            bertcpp::RowMatrix out;
            run_cancellable(progress, [&](const bertcpp::ProgressCallback& callback, const std::function<bool()>&) {
              const auto& max_len = encoder.options().max_seq_len;
              encodings.reserve(texts.size());
              for (const auto& tokens : texts) {
                // bert-as-service's pair marker in tokenized input
                auto split = std::find(tokens.begin(), tokens.end(), "|||");
                if (split == tokens.end()) {
                  encodings.push_back(encoder.tokenizer().encode_tokens(tokens, nullptr, max_len));
                } else {
                  std::vector<std::string> a(tokens.begin(), split), b(split + 1, tokens.end());
                  encodings.push_back(encoder.tokenizer().encode_tokens(a, &b, max_len));
                }
              }
              out = encoder.encode_encodings(encodings, callback);
            });
            py::object tokens = show_tokens ? tokens_of(encodings) : py::none();
            return py::make_tuple(shaped(encoder, std::move(out)), tokens);
          },
          py::arg("texts"), py::arg("progress") = py::none(), py::arg("show_tokens") = false)
      .def("tokenize",
           [](const bertcpp::Encoder& encoder, const py::sequence& texts) {
             std::vector<bertcpp::TextInput> inputs = to_text_inputs(texts);
             py::gil_scoped_release release;
             return encoder.tokenize(inputs);
           })
      .def(
          "with_batch_size",
          [](const bertcpp::Encoder& e, size_t batch_size) {
            bertcpp::EncoderOptions options = e.options();
            options.batch_size = batch_size;
            return std::make_shared<bertcpp::Encoder>(e.model_ptr(), e.tokenizer_ptr(), options);
          },
          py::arg("batch_size"), "The same encoder (model shared, not reloaded) with another batch size.")
      .def_property_readonly("dim", &bertcpp::Encoder::dim)
      .def_property_readonly("model",
                             [](const bertcpp::Encoder& e) { return std::const_pointer_cast<bertcpp::BertModel>(e.model_ptr()); })
      .def_property_readonly(
          "tokenizer", [](const bertcpp::Encoder& e) { return std::const_pointer_cast<bertcpp::Tokenizer>(e.tokenizer_ptr()); })
      .def_property_readonly("pooling_strategy", &pooling_name)
      .def_property_readonly("pooling_layers", [](const bertcpp::Encoder& e) { return e.options().pooling_layers; })
      .def_property_readonly("max_seq_len", [](const bertcpp::Encoder& e) { return e.options().max_seq_len; })
      .def_property_readonly("batch_size", [](const bertcpp::Encoder& e) { return e.options().batch_size; })
      .def_property_readonly("threads", [](const bertcpp::Encoder& e) { return e.options().threads; });
}

}  // namespace bertcpp_python
