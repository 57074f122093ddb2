// Shared pieces of the pybind11 module: one bind_* function a file, and the conversions
// every file needs (text inputs from Python objects, matrices to numpy without a copy).
#pragma once

#include <bertcpp/bertcpp.h>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bertcpp_python {

namespace py = pybind11;

void bind_tokenizer(py::module_& m);
void bind_model(py::module_& m);
void bind_encoder(py::module_& m);
void bind_cli(py::module_& m);
void bind_vectors(py::module_& m);

// A str is one text; a (str, str) tuple or list of two strs is a pair. Anything else is a
// TypeError naming the element, so a bad row of a long list is easy to find.
inline bertcpp::TextInput to_text_input(const py::handle& item, size_t index) {
  if (py::isinstance<py::str>(item)) return {item.cast<std::string>(), std::nullopt};
  if ((py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item)) && py::len(item) == 2) {
    py::sequence pair = py::reinterpret_borrow<py::sequence>(item);
    if (py::isinstance<py::str>(pair[0]) && py::isinstance<py::str>(pair[1]))
      return {pair[0].cast<std::string>(), pair[1].cast<std::string>()};
  }
  throw py::type_error("element " + std::to_string(index) +
                       " must be a str or a (str, str) pair, got " +
                       std::string(py::str(py::type::handle_of(item).attr("__name__"))));
}

inline std::vector<bertcpp::TextInput> to_text_inputs(const py::sequence& items) {
  std::vector<bertcpp::TextInput> inputs;
  inputs.reserve(py::len(items));
  for (size_t i = 0; i < py::len(items); ++i) inputs.push_back(to_text_input(items[i], i));
  return inputs;
}

// Hands the matrix's buffer to numpy: the array owns the moved matrix through a capsule,
// so a [n, dim] result is never copied. C-contiguous float32.
inline py::array_t<float> to_numpy(bertcpp::RowMatrix&& matrix, std::vector<py::ssize_t> shape = {}) {
  auto* owned = new bertcpp::RowMatrix(std::move(matrix));
  py::capsule owner(owned, [](void* p) { delete static_cast<bertcpp::RowMatrix*>(p); });
  if (shape.empty()) shape = {static_cast<py::ssize_t>(owned->rows()), static_cast<py::ssize_t>(owned->cols())};
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(float);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return py::array_t<float>(shape, strides, owned->data(), owner);
}

}  // namespace bertcpp_python
