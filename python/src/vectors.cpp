// bertcpp._bertcpp.quantize_embeddings / similarity: what is done with vectors once they exist,
// computed by the C++ core (pooling/quantize.h, pooling/similarity.h).
#include "bindings.h"

namespace bertcpp_python {

namespace {

// A 1-D or 2-D float array as [rows, dim] (a 1-D array is one row).
bertcpp::RowMatrix to_matrix(const py::handle& object, const char* name) {
  auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(object);
  if (!a || (a.ndim() != 1 && a.ndim() != 2))
    throw py::value_error(std::string(name) + " must be a 1-D or 2-D array of numbers");
  const py::ssize_t rows = a.ndim() == 1 ? 1 : a.shape(0), cols = a.ndim() == 1 ? a.shape(0) : a.shape(1);
  return Eigen::Map<const bertcpp::RowMatrix>(a.data(), rows, cols);
}

}  // namespace

py::array quantize(const py::handle& embeddings, const std::string& precision, const py::object& ranges,
                   const py::object& calibration) {
  const bertcpp::OutputPrecision p = bertcpp::parse_output_precision(precision);
  bertcpp::RowMatrix e = to_matrix(embeddings, "embeddings");
  if (p == bertcpp::OutputPrecision::Float32) return to_numpy(std::move(e));
  const bertcpp::RowMatrix calibration_rows =
      calibration.is_none() ? bertcpp::RowMatrix() : to_matrix(calibration, "calibration_embeddings");
  if (!calibration.is_none() && calibration_rows.size() == 0)  // in C++ an empty matrix means "none given"
    throw py::value_error("calibration_embeddings is empty: pass None to take the ranges from the embeddings");
  const bertcpp::QuantizedEmbeddings q = bertcpp::quantize_embeddings(
      e, p, ranges.is_none() ? bertcpp::RowMatrix() : to_matrix(ranges, "ranges"), calibration_rows);
  const std::vector<py::ssize_t> shape = {q.rows, q.cols};
  const bool is_signed = p == bertcpp::OutputPrecision::Int8 || p == bertcpp::OutputPrecision::Binary;
  py::array out = is_signed ? py::array(py::dtype::of<int8_t>(), shape) : py::array(py::dtype::of<uint8_t>(), shape);
  std::memcpy(out.mutable_data(), q.bytes.data(), q.bytes.size());
  return out;
}

py::array_t<float> similarity(const py::handle& a, const py::handle& b, const std::string& fn) {
  return to_numpy(bertcpp::similarity(to_matrix(a, "a"), to_matrix(b, "b"), bertcpp::parse_similarity_function(fn)));
}

void bind_vectors(py::module_& m) {
  m.def("quantize_embeddings", &quantize, py::arg("embeddings"), py::arg("precision"), py::arg("ranges") = py::none(),
        py::arg("calibration_embeddings") = py::none(),
        "sentence-transformers' quantize_embeddings: int8 / uint8 / binary / ubinary (float32 unchanged).");
  m.def("similarity", &similarity, py::arg("a"), py::arg("b"), py::arg("similarity_fn_name") = "cosine",
        "[n, m] similarities: cosine, dot, euclidean or manhattan (the distances negated).");
}

}  // namespace bertcpp_python
