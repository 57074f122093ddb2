// `bertcpp fill-mask`: the top-k words for each [MASK], with their probabilities.
#include "cli/commands.h"

#include <bertcpp/encoder.h>
#include <bertcpp/detail/heads/heads.h>

#include <cstdio>

namespace bertcpp::cli {

void run_fill_mask(const FillMaskArgs& args) {
  EncoderOptions options;
  options.model_dir = resolve_model_dir(args.model_dir);
  options.threads = args.threads;
  const Encoder encoder(options);  // the tokenizer set up as the model directory says (cased or not)
  const auto predictions = fill_mask(encoder.model(), encoder.tokenizer(), args.text, args.top_k, args.max_length,
                                     encoder.options().threads);
  for (size_t m = 0; m < predictions.size(); ++m) {
    std::printf("[MASK] %zu:\n", m + 1);
    for (const auto& p : predictions[m]) std::printf("  %.4f  %s\n", p.probability, p.token.c_str());
  }
}

}  // namespace bertcpp::cli
