// bertcpp._bertcpp: the compiled half of the bertcpp package. The Python layer
// (python/bertcpp/*.py) adds defaults, progress bars and the BertClient on top.
//
// Errors: pybind11 turns std::invalid_argument into ValueError and std::runtime_error into
// RuntimeError, message kept; bertcpp::Cancelled is handled where encoding is bound.
#include "bindings.h"

#include <bertcpp/version.h>

PYBIND11_MODULE(_bertcpp, m) {
  m.doc() = "bertcpp: BERT encoders on the CPU (compiled core)";
  m.attr("__version__") = BERTCPP_VERSION;
  m.def("default_model_dir", &bertcpp::default_model_dir,
        "The bundled model directory as the C++ library finds it ($BERTCPP_MODEL_DIR first).");
  m.def(
      "cpu_info",
      [] {
        const bertcpp::CpuInfo info = bertcpp::cpu_info();
        pybind11::dict d;
        d["isa"] = info.isa;
        d["supported"] = info.supported;
        d["precisions"] = info.precisions;
        d["features"] = info.features;
        return d;
      },
      "The kernel variant in use ('isa'), every variant this CPU can run ('supported'), the\n"
      "precisions that run fast here ('precisions') and the CPU features found ('features').\n"
      "BERTCPP_CPU_ISA=generic|avx2|avx512|avx512_bf16|neon forces a variant (ValueError if the\n"
      "CPU cannot run it).");
  bertcpp_python::bind_tokenizer(m);
  bertcpp_python::bind_model(m);
  bertcpp_python::bind_encoder(m);
  bertcpp_python::bind_cli(m);
  bertcpp_python::bind_vectors(m);
}
