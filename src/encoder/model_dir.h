#pragma once

#include <string>
#include <vector>

namespace bertcpp::detail {

// Where the bundled model may be, in the order default_model_dir() looks (after
// $BERTCPP_MODEL_DIR): the CMake package's registered path, the configured install prefix's,
// the source tree's.
std::vector<std::string> bundled_model_candidates();

// Whether the model's vocabulary is lower-cased: tokenizer_config.json's do_lower_case when
// present, else false only when the directory's name says "cased" (not "uncased").
bool model_dir_is_lowercase(const std::string& model_dir);

}  // namespace bertcpp::detail
