// bertcpp.BertModel (the forward pass with Hugging Face's padded [B, T] interface) and the
// pretraining heads as functions: fill_mask, next_sentence_probability.
#include "bindings.h"

#include <climits>
#include <cstdint>
#include <cstring>

namespace bertcpp_python {

namespace {

using IntArray = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

py::dict config_dict(const bertcpp::BertConfig& config) {
  return py::module_::import("json").attr("loads")(config.to_json());
}

void require_shape(const IntArray& array, const char* name, py::ssize_t batch, py::ssize_t seq_len) {
  if (array.ndim() != 2 || array.shape(0) != batch || array.shape(1) != seq_len)
    throw std::invalid_argument(std::string(name) + " must have the shape of input_ids [" +
                                std::to_string(batch) + ", " + std::to_string(seq_len) + "], got ndim " +
                                std::to_string(array.ndim()));
}

// Copies packed rows [num_tokens, H] back to their padded places in [B, T, H]: token k of
// sequence s sits in column positions[k] (TokenBatch::from_padded keeps each column's
// position id); masked places stay zero.
void scatter_to_padded(const bertcpp::RowMatrix& packed, const bertcpp::TokenBatch& batch, py::ssize_t seq_len,
                       float* out) {
  const auto hidden = packed.cols();
  for (size_t s = 0; s < batch.num_sequences(); ++s)
    for (int64_t k = batch.offsets[s]; k < batch.offsets[s + 1]; ++k)
      std::memcpy(out + (static_cast<int64_t>(s) * seq_len + batch.positions[k]) * hidden, packed.row(k).data(),
                  sizeof(float) * hidden);
}

// An integer array as int32, refusing values that do not fit (a silent cast would turn
// 2**32 + 101 into 101) and non-integer dtypes.
IntArray as_int32(const py::array& array, const char* name) {
  const char kind = array.dtype().kind();
  if (kind != 'i' && kind != 'u')
    throw std::invalid_argument(std::string(name) + " must be integers, got dtype " +
                                std::string(py::str(array.dtype())));
  if (array.size() > 0 && (array.dtype().itemsize() > 4 || (kind == 'u' && array.dtype().itemsize() == 4))) {
    const py::object lo = array.attr("min")(), hi = array.attr("max")();
    const py::int_ low(INT32_MIN), high(INT32_MAX);
    for (const py::object* v : {&lo, &hi})
      if (PyObject_RichCompareBool(v->ptr(), low.ptr(), Py_LT) == 1 ||
          PyObject_RichCompareBool(v->ptr(), high.ptr(), Py_GT) == 1)
        throw std::invalid_argument(std::string(name) + " holds " + std::string(py::str(*v)) +
                                    ", outside int32: no token id or mask value is that large");
  }
  return IntArray::ensure(array);
}

py::dict forward(const bertcpp::BertModel& model, const py::array& input_ids_any,
                 std::optional<py::array> attention_mask_any, std::optional<py::array> token_type_ids_any,
                 bool output_hidden_states, int threads) {
  const IntArray input_ids = as_int32(input_ids_any, "input_ids");
  std::optional<IntArray> attention_mask, token_type_ids;
  if (attention_mask_any) attention_mask = as_int32(*attention_mask_any, "attention_mask");
  if (token_type_ids_any) token_type_ids = as_int32(*token_type_ids_any, "token_type_ids");
  if (input_ids.ndim() != 2)
    throw std::invalid_argument("input_ids must be 2-D [batch, seq_len], got ndim " +
                                std::to_string(input_ids.ndim()));
  const py::ssize_t batch_size = input_ids.shape(0), seq_len = input_ids.shape(1);
  if (batch_size == 0 || seq_len == 0) throw std::invalid_argument("input_ids is empty");
  if (attention_mask) require_shape(*attention_mask, "attention_mask", batch_size, seq_len);
  if (token_type_ids) require_shape(*token_type_ids, "token_type_ids", batch_size, seq_len);

  const py::ssize_t hidden = model.config().hidden_size;
  const py::ssize_t num_states = model.config().num_hidden_layers + 1;
  py::array_t<float> last({batch_size, seq_len, hidden});
  py::array_t<float> all_states;
  if (output_hidden_states) all_states = py::array_t<float>({num_states, batch_size, seq_len, hidden});
  float* last_data = last.mutable_data();
  float* all_data = output_hidden_states ? all_states.mutable_data() : nullptr;
  const int32_t* ids = input_ids.data();
  const int32_t* mask = attention_mask ? attention_mask->data() : nullptr;
  const int32_t* types = token_type_ids ? token_type_ids->data() : nullptr;

  bertcpp::RowMatrix pooler;
  {
    py::gil_scoped_release release;
    bertcpp::TokenBatch batch = bertcpp::TokenBatch::from_padded(
        ids, mask, types, batch_size, seq_len, bertcpp::family_for(model.config()).position_offset(model.config()));
    if (static_cast<py::ssize_t>(batch.num_sequences()) != batch_size)
      throw std::invalid_argument("every row of attention_mask needs at least one 1");
    bertcpp::ForwardOptions options;
    options.output_hidden_states = output_hidden_states;
    options.compute_pooler = true;
    options.threads = threads;
    bertcpp::ForwardOutput out = model.forward(batch, options);
    const size_t plane = static_cast<size_t>(batch_size * seq_len * hidden);
    std::memset(last_data, 0, sizeof(float) * plane);
    scatter_to_padded(out.hidden_states.back(), batch, seq_len, last_data);
    if (all_data) {
      std::memset(all_data, 0, sizeof(float) * plane * num_states);
      for (size_t i = 0; i < out.hidden_states.size(); ++i)
        scatter_to_padded(out.hidden_states[i], batch, seq_len, all_data + i * plane);
    }
    pooler = std::move(out.pooler_output);
  }
  py::dict result;
  result["last_hidden_state"] = last;
  result["pooler_output"] = to_numpy(std::move(pooler));
  if (output_hidden_states) result["hidden_states"] = all_states;
  return result;
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<bertcpp::BertModel, std::shared_ptr<bertcpp::BertModel>>(m, "BertModel")
      .def(py::init([](const std::string& model_dir) {
             py::gil_scoped_release release;
             return std::make_shared<bertcpp::BertModel>(bertcpp::BertModel::load(model_dir));
           }),
           py::arg("model_dir"))
      .def_property_readonly("config", [](const bertcpp::BertModel& model) { return config_dict(model.config()); })
      .def_property_readonly("has_mlm_head", &bertcpp::BertModel::has_mlm_head)
      .def_property_readonly("has_nsp_head", &bertcpp::BertModel::has_nsp_head)
      .def("forward", &forward, py::arg("input_ids"), py::arg("attention_mask") = py::none(),
           py::arg("token_type_ids") = py::none(), py::arg("output_hidden_states") = false,
           py::arg("threads") = 0,
           "Hugging Face's BertModel outputs for a padded int batch: last_hidden_state [B,T,H] "
           "(zeros where the mask is 0), pooler_output [B,H], hidden_states [L+1,B,T,H].");

  m.def(
      "fill_mask",
      [](const bertcpp::BertModel& model, const bertcpp::Tokenizer& tokenizer, const py::object& text,
         const py::object& top_k, std::optional<py::object> max_length, int threads) {
        const std::string utf8 = utf8_of(text, "text");
        const auto k = static_cast<size_t>(checked_int(top_k, "top_k", 1, LLONG_MAX));
        std::optional<size_t> length;
        if (max_length) length = static_cast<size_t>(checked_int(*max_length, "max_length", 3, LLONG_MAX));
        std::vector<std::vector<bertcpp::MaskPrediction>> predictions;
        {
          py::gil_scoped_release release;
          predictions = bertcpp::fill_mask(model, tokenizer, utf8, k, length, threads);
        }
        py::list per_mask;
        for (const auto& candidates : predictions) {
          py::list row;
          for (const auto& p : candidates)
            row.append(py::dict(py::arg("token") = p.token, py::arg("id") = p.id, py::arg("score") = p.probability));
          per_mask.append(row);
        }
        return per_mask;
      },
      py::arg("model"), py::arg("tokenizer"), py::arg("text"), py::arg("top_k") = 5,
      py::arg("max_length") = py::none(), py::arg("threads") = 0);
  m.def(
      "next_sentence_probability",
      [](const bertcpp::BertModel& model, const bertcpp::Tokenizer& tokenizer, const py::object& a, const py::object& b,
         std::optional<py::object> max_length, int threads) {
        const std::string first = utf8_of(a, "a"), second = utf8_of(b, "b");
        std::optional<size_t> length;
        if (max_length) length = static_cast<size_t>(checked_int(*max_length, "max_length", 3, LLONG_MAX));
        py::gil_scoped_release release;
        return bertcpp::next_sentence_probability(model, tokenizer, first, second, length, threads);
      },
      py::arg("model"), py::arg("tokenizer"), py::arg("a"), py::arg("b"), py::arg("max_length") = py::none(),
      py::arg("threads") = 0);
}

}  // namespace bertcpp_python
