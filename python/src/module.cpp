// bertcpp._bertcpp: the compiled half of the bertcpp package. The Python layer
// (python/bertcpp/*.py) adds defaults, progress bars and the BertClient on top.
//
// Errors: pybind11 turns std::invalid_argument into ValueError and std::runtime_error into
// RuntimeError, message kept; bertcpp::Cancelled is handled where encoding is bound.
#include "bindings.h"

PYBIND11_MODULE(_bertcpp, m) {
  m.doc() = "bertcpp: BERT encoders on the CPU (compiled core)";
  m.def("default_model_dir", &bertcpp::default_model_dir,
        "The bundled model directory as the C++ library finds it ($BERTCPP_MODEL_DIR first).");
  bertcpp_python::bind_tokenizer(m);
  bertcpp_python::bind_model(m);
  bertcpp_python::bind_encoder(m);
  bertcpp_python::bind_cli(m);
  bertcpp_python::bind_vectors(m);
}
