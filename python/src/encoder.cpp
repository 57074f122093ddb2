// bertcpp._bertcpp.Encoder: texts -> pooled vectors with the GIL released, progress
// reported to Python between batches, and Ctrl-C honoured there.
#include "bindings.h"

#include <bertcpp/quantize_check.h>

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
// The row's shape comes from the Encoder (the pooling table), not from here.
py::array_t<float> shaped(const bertcpp::Encoder& encoder, bertcpp::RowMatrix&& out) {
  const std::vector<size_t> row = encoder.output_row_shape(0);
  if (row.size() == 1) return to_numpy(std::move(out));
  const auto width = static_cast<py::ssize_t>(row[1]);
  const py::ssize_t rows = out.rows(), steps = out.cols() / width;
  return to_numpy(std::move(out), {rows, steps, width});
}

std::string pooling_name(const bertcpp::Encoder& e) {
  std::string name;
  for (bertcpp::PoolingStrategy s : e.pooling_modes()) name += (name.empty() ? "" : "+") + bertcpp::to_string(s);
  return name;
}

}  // namespace

void bind_encoder(py::module_& m) {
  m.def(
      "quantize_check",
      [](const bertcpp::Encoder& exact, const py::object& texts, const py::object& progress) {
        const std::vector<bertcpp::TextInput> inputs =
            texts.is_none() ? bertcpp::quantize_check_sample() : to_text_inputs(texts);
        bertcpp::QuantizeReport r;
        run_cancellable(progress, [&](const bertcpp::ProgressCallback& callback, const std::function<bool()>&) {
          r = bertcpp::quantize_check(exact, inputs, callback);
        });
        py::dict d;
        d["isa"] = r.isa;
        d["cosines"] = r.cosines;
        d["cosine_min"] = r.cosine_min;
        d["cosine_mean"] = r.cosine_mean;
        d["hidden_max_diff"] = r.hidden_max_diff;
        d["hidden_mean_diff"] = r.hidden_mean_diff;
        d["layer_max_diff"] = r.layer_max_diff;
        d["layer_mean_diff"] = r.layer_mean_diff;
        d["float_layers"] = r.float_layers;
        d["texts"] = r.texts;
        return d;
      },
      py::arg("encoder"), py::arg("texts") = py::none(), py::arg("progress") = py::none(),
      "Encodes texts (None: a built-in sample) with a float32 encoder and with the same options in int8; "
      "progress(done, total) as for encode, over its three passes.");
  py::register_exception<bertcpp::Cancelled>(m, "Cancelled", PyExc_RuntimeError);

  py::class_<bertcpp::Encoder, std::shared_ptr<bertcpp::Encoder>>(m, "Encoder")
      .def(py::init([](const std::string& model_dir, const std::optional<std::string>& pooling_strategy,
                       const std::optional<std::vector<int>>& pooling_layers, std::optional<size_t> max_seq_len, int threads,
                       size_t batch_size, const std::string& precision, std::optional<bool> normalize,
                       const std::string& long_text, std::optional<size_t> window_overlap,
                       const std::optional<std::string>& prompt_name, const std::optional<std::string>& prompt,
                       std::optional<size_t> truncate_dim, const std::vector<int>& float_layers) {
             bertcpp::EncoderOptions options;
             options.model_dir = model_dir;
             // Unset pooling/layers/normalize: the model folder decides (its sentence-transformers chain).
             if (pooling_strategy) options.pooling = bertcpp::parse_pooling_strategy(*pooling_strategy);
             options.pooling_layers = pooling_layers;
             options.max_seq_len = max_seq_len;
             options.normalize = normalize;
             options.long_text = bertcpp::parse_long_text(long_text);
             options.window_overlap = window_overlap;
             options.prompt_name = prompt_name;
             options.prompt = prompt;
             options.threads = threads;
             options.batch_size = batch_size;
             options.precision = bertcpp::parse_precision(precision);
             options.truncate_dim = truncate_dim;
             options.float_layers = float_layers;
             py::gil_scoped_release release;
             return std::make_shared<bertcpp::Encoder>(options);
           }),
           py::arg("model_dir") = "", py::arg("pooling_strategy") = py::none(),
           py::arg("pooling_layers") = py::none(), py::arg("max_seq_len") = py::none(),
           py::arg("threads") = 0, py::arg("batch_size") = 32, py::arg("precision") = "float32",
           py::arg("normalize") = py::none(), py::arg("long_text") = "truncate", py::arg("window_overlap") = py::none(),
           py::arg("prompt_name") = py::none(), py::arg("prompt") = py::none(), py::arg("truncate_dim") = py::none(),
           py::arg("float_layers") = std::vector<int>{})
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
              const auto max_len = encoder.truncation_length();
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
      .def_property_readonly("pooling_layers", [](const bertcpp::Encoder& e) { return e.pooling_layers(); })
      .def_property_readonly("max_seq_len", [](const bertcpp::Encoder& e) { return e.max_seq_len(); })
      .def_property_readonly("batch_size", [](const bertcpp::Encoder& e) { return e.options().batch_size; })
      .def_property_readonly("threads", [](const bertcpp::Encoder& e) { return e.options().threads; })
      // ---- model folders: sentence-transformers chain, prompts, long texts ----
      .def(
          "with_prompt",
          [](const bertcpp::Encoder& e, const std::optional<std::string>& prompt_name,
             const std::optional<std::string>& prompt) {
            bertcpp::EncoderOptions options = e.options();
            options.prompt_name = prompt_name;
            options.prompt = prompt;
            return std::make_shared<bertcpp::Encoder>(e.model_ptr(), e.tokenizer_ptr(), options);
          },
          py::arg("prompt_name"), py::arg("prompt"), "The same encoder (model shared) with another prompt.")
      .def_property_readonly("description", &bertcpp::Encoder::describe)
      .def_property_readonly("prompt", &bertcpp::Encoder::prompt)
      .def_property_readonly("long_text", [](const bertcpp::Encoder& e) { return std::string(bertcpp::to_string(e.options().long_text)); })
      .def_property_readonly("prompts",
                             [](const bertcpp::Encoder& e) {
                               const auto* st = e.sentence_modules();
                               return st ? st->prompts : std::map<std::string, std::string>{};
                             })
      .def_property_readonly("similarity_fn_name", [](const bertcpp::Encoder& e) {
        const auto* st = e.sentence_modules();
        return st ? st->similarity_fn_name : std::string("cosine");
      })
      // ---- sequence classification: cross-encoders, rerankers, NLI ----
      .def(
          "predict",
          [](const bertcpp::Encoder& encoder, const py::sequence& texts, const py::object& progress, bool scores) {
            std::vector<bertcpp::TextInput> inputs = to_text_inputs(texts);
            bertcpp::RowMatrix out;
            run_cancellable(progress, [&](const bertcpp::ProgressCallback& callback, const std::function<bool()>&) {
              out = encoder.predict(inputs, callback);
              if (scores) out = encoder.classifier()->scores(out);
            });
            return to_numpy(std::move(out));
          },
          py::arg("texts"), py::arg("progress") = py::none(), py::arg("scores") = false,
          "Logits [n, labels] (or scores: softmax / sigmoid) for str or (str, str) items.")
      .def(
          "rerank",
          [](const bertcpp::Encoder& encoder, const std::string& query, const std::vector<std::string>& documents,
             const py::object& progress) {
            std::vector<bertcpp::RankedDocument> ranked;
            run_cancellable(progress, [&](const bertcpp::ProgressCallback& callback, const std::function<bool()>&) {
              ranked = encoder.rerank(query, documents, callback);
            });
            py::list out;
            for (const auto& r : ranked) out.append(py::make_tuple(r.index, r.score));
            return out;
          },
          py::arg("query"), py::arg("documents"), py::arg("progress") = py::none(), "[(index, score)] best first.")
      .def_property_readonly("labels", [](const bertcpp::Encoder& e) {
        return e.classifier() ? e.classifier()->labels() : std::vector<std::string>{};
      });
}

}  // namespace bertcpp_python
