#pragma once

#include <string>

namespace bertcpp::detail {

// Whether the model's vocabulary is lower-cased: tokenizer_config.json's do_lower_case when
// present, else false only when the directory's name says "cased" (not "uncased").
bool model_dir_is_lowercase(const std::string& model_dir);

}  // namespace bertcpp::detail
