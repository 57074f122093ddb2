// sentence-transformers configs -> the module chain: modules.json, a Pooling config.json and a
// Dense config.json, all from one input. Every rejection names its file; what is accepted must
// be usable (a pooling mode at least, positive Dense sizes, paths that stay in the folder).
#include "fuzz_support.h"

#include <bertcpp/detail/encoder/modules.h>

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bertcpp::fuzz::check;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& entry : bertcpp::parse_modules_json(text, "fuzz-modules.json")) {
      check(entry.path.find("..") == std::string::npos && (entry.path.empty() || entry.path[0] != '/'),
            "accepted a module path that leaves the folder");
    }
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-modules.json");
  }
  try {
    const bertcpp::PoolingModule p = bertcpp::parse_pooling_config(text, "fuzz-pooling.json");
    check(!p.modes.empty(), "accepted a pooling config without a mode");
    check(p.word_embedding_dimension >= 0, "negative word_embedding_dimension");
    bertcpp::pooled_row_shape(p.modes, 8, 1, 0);  // every accepted combination has a width
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-pooling.json");
  }
  try {
    const bertcpp::DenseModule d = bertcpp::parse_dense_config(text, "fuzz-dense.json");
    check(d.in_features > 0 && d.out_features > 0, "accepted a Dense config with a non-positive size");
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, "fuzz-dense.json");
  }
  return 0;
}
