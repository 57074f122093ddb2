// `bertcpp fill-mask`: the top-k words for each [MASK], with their probabilities.
#include "cli/commands.h"

#include <bertcpp/heads/heads.h>

#include <cstdio>

namespace bertcpp::cli {

void run_fill_mask(const FillMaskArgs& args) {
  const std::string dir = resolve_model_dir(args.model_dir);
  const BertModel model = BertModel::load(dir);
  const Tokenizer tokenizer(dir + "/vocab.txt");
  const auto predictions = fill_mask(model, tokenizer, args.text, args.top_k);
  for (size_t m = 0; m < predictions.size(); ++m) {
    std::printf("[MASK] %zu:\n", m + 1);
    for (const auto& p : predictions[m]) std::printf("  %.4f  %s\n", p.probability, p.token.c_str());
  }
}

}  // namespace bertcpp::cli
