#include <bertcpp/detail/model/family.h>

#include <stdexcept>

namespace bertcpp {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {
      {"bert", {"bert"}, {"bert."}, [](const BertConfig&) { return int32_t{0}; }, true, "wordpiece", "[CLS]", "[SEP]"},
  };
  return families;
}

const ModelFamily& family_for(const BertConfig& config, const std::string& source) {
  std::string supported;
  for (const ModelFamily& f : model_families()) {
    for (const std::string& type : f.model_types) {
      if (type == config.model_type) return f;
      supported += (supported.empty() ? "" : ", ") + type;
    }
  }
  // RoBERTa, DistilBERT, ELECTRA ... share field names with BERT but not its computation
  // (position offsets, token types, layer layout): running one as BERT gives wrong vectors.
  throw std::runtime_error(source + ": field \"model_type\" is \"" + config.model_type +
                           "\", no supported model family (supported: " + supported +
                           "); see the README's \"Adding a model family\"");
}

}  // namespace bertcpp
