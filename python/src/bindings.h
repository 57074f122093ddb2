// Shared pieces of the pybind11 module: one bind_* function a file, and the conversions
// every file needs (text inputs from Python objects, matrices to numpy without a copy).
#pragma once

#include <bertcpp/detail/all.h>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <functional>
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

// The UTF-8 of a Python str. A str that is not valid Unicode (a lone surrogate, as
// surrogateescape decoding leaves) is a ValueError naming `what` and the position.
inline std::string utf8_of(const py::handle& text, const std::string& what) {
  if (!PyUnicode_Check(text.ptr()))
    throw py::type_error(what + " must be a str, got " + std::string(py::str(py::type::handle_of(text).attr("__name__"))) +
                         (PyBytes_Check(text.ptr()) ? " (decode it first: .decode(\"utf-8\"))" : ""));
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (data) return std::string(data, static_cast<size_t>(size));
  PyErr_Clear();
  const Py_ssize_t length = PyUnicode_GetLength(text.ptr());
  Py_ssize_t at = 0;
  while (at < length && !(PyUnicode_ReadChar(text.ptr(), at) >= 0xD800 && PyUnicode_ReadChar(text.ptr(), at) <= 0xDFFF))
    ++at;
  throw py::value_error(what + " is not valid Unicode: a lone surrogate at position " + std::to_string(at) +
                        " (decode the bytes with errors=\"replace\" or \"ignore\" instead of \"surrogateescape\")");
}

// A str is one text; a (str, str) tuple or list of two strs is a pair. Anything else is a
// TypeError naming the element, so a bad row of a long list is easy to find.
inline bertcpp::TextInput to_text_input(const py::handle& item, size_t index) {
  const std::string what = "element " + std::to_string(index);
  if (py::isinstance<py::str>(item)) return {utf8_of(item, what), std::nullopt};
  if ((py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item)) && py::len(item) == 2) {
    py::sequence pair = py::reinterpret_borrow<py::sequence>(item);
    if (py::isinstance<py::str>(pair[0]) && py::isinstance<py::str>(pair[1]))
      return {utf8_of(pair[0], what), utf8_of(pair[1], what)};
  }
  throw py::type_error("element " + std::to_string(index) +
                       " must be a str or a (str, str) pair, got " +
                       std::string(py::str(py::type::handle_of(item).attr("__name__"))));
}

// An int argument within [lo, hi]; otherwise a ValueError naming it, the value and the range.
// (Taking py::int_ keeps pybind11's signature dump out of the message for -1 or 10**30.)
inline long long checked_int(const py::handle& given, const std::string& name, long long lo, long long hi) {
  const py::object value = py::reinterpret_steal<py::object>(PyNumber_Index(given.ptr()));  // int, numpy int
  if (!value) {
    PyErr_Clear();
    throw py::type_error(name + " must be an integer, got " + std::string(py::repr(given)));
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0 && v >= lo && v <= hi) return v;
  throw py::value_error(name + " = " + std::string(py::str(value)) + " is outside [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
}

// A keep_going for the core (see bertcpp::BatchOptions) that runs Python's signal handlers:
// Ctrl-C (or any handler that raises) stops the call, and run() re-raises that exception.
class SignalCheck {
 public:
  std::function<bool()> keep_going() {
    return [this] {
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() == 0) return true;
      pending_ = std::make_shared<py::error_already_set>();
      return false;
    };
  }
  // Runs work without the GIL; a cancellation caused by a signal raises the handler's exception.
  template <typename Work>
  auto run(Work&& work) -> decltype(work()) {
    try {
      py::gil_scoped_release release;
      return work();
    } catch (const bertcpp::Cancelled&) {
      if (pending_) throw *pending_;
      throw;
    }
  }

 private:
  std::shared_ptr<py::error_already_set> pending_;
};

// A list of str tokens (is_tokenized input); `what` names it in errors.
inline std::vector<std::string> to_tokens(const py::handle& tokens, const std::string& what) {
  if (!py::isinstance<py::list>(tokens) && !py::isinstance<py::tuple>(tokens))
    throw py::type_error(what + " must be a list of str tokens, got " +
                         std::string(py::str(py::type::handle_of(tokens).attr("__name__"))));
  std::vector<std::string> out;
  for (const py::handle& token : tokens) {
    if (!py::isinstance<py::str>(token))
      throw py::type_error(what + " must be a list of str tokens, got a " +
                           std::string(py::str(py::type::handle_of(token).attr("__name__"))));
    out.push_back(utf8_of(token, what));
  }
  return out;
}

// Any iterable of texts (a list, a generator, a numpy array of str), read once. A single str
// is refused: iterating it would give its characters.
inline std::vector<bertcpp::TextInput> to_text_inputs(const py::handle& given) {
  if (py::isinstance<py::str>(given) || py::isinstance<py::bytes>(given))
    throw py::type_error("expected a list of texts, got a single " +
                         std::string(py::str(py::type::handle_of(given).attr("__name__"))) + " (wrap it in a list)");
  if (!py::isinstance<py::iterable>(given))
    throw py::type_error("expected a list of texts, got " +
                         std::string(py::str(py::type::handle_of(given).attr("__name__"))));
  const py::list items = py::isinstance<py::list>(given) ? py::reinterpret_borrow<py::list>(given)
                                                        : py::list(py::reinterpret_borrow<py::object>(given));
  std::vector<bertcpp::TextInput> inputs;
  inputs.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) inputs.push_back(to_text_input(items[i], i));
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
