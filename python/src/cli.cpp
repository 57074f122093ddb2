// bertcpp._bertcpp.cli_main(argv): the `bertcpp` command inside the module, so that a pip
// install (which ships no C++ executable) still provides the command through an entry point.
#include "bindings.h"

#ifdef BERTCPP_WITH_CLI
#include "cli/cli.h"
#endif

namespace bertcpp_python {

void bind_cli(py::module_& m) {
#ifdef BERTCPP_WITH_CLI
  m.def(
      "cli_main",
      [](const std::vector<std::string>& argv) { return bertcpp::cli::run(argv); }, py::arg("argv"),
      py::call_guard<py::gil_scoped_release>(),
      "Runs the bertcpp command with argv (argv[0] is the program name); returns the exit code.");
#else
  (void)m;
#endif
}

}  // namespace bertcpp_python
