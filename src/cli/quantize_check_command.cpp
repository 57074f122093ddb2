// `bertcpp quantize-check`: the int8 accuracy gate (bertcpp/quantize_check.h) on the command line.
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/text_reader.h"

#include <bertcpp/detail/tokenizer/utf8.h>
#include <bertcpp/quantize_check.h>
#include <bertcpp/tokenizer/pair_marker.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <numeric>
#include <stdexcept>

namespace bertcpp::cli {

void run_quantize_check(const QuantizeCheckArgs& args) {
  std::vector<TextInput> texts;
  std::vector<size_t> where;
  std::string unit = "text";  // what `where` counts: the built-in sample's texts, or a file's lines
  if (!args.texts.empty()) {
    TextReader reader(args.texts, args.column, args.field);
    unit = "line";
    std::vector<TextInput> chunk;
    std::vector<size_t> chunk_where;
    while (reader.next_chunk(size_t{1} << 16, chunk, chunk_where)) {
      if (InterruptScope::requested()) throw Cancelled();
      std::move(chunk.begin(), chunk.end(), std::back_inserter(texts));
      where.insert(where.end(), chunk_where.begin(), chunk_where.end());
    }
    if (texts.empty()) throw std::invalid_argument(args.texts + ": no texts");
  }
  const EncoderOptions options = encoder_options(args.model);
  // Ctrl-C stops it between batches (cli.cpp reports the cancellation).
  const ProgressCallback keep_going = [](size_t, size_t) { return !InterruptScope::requested(); };
  QuantizeReport r;
  try {
    r = texts.empty() ? quantize_check(options, keep_going) : quantize_check(options, texts, keep_going);
  } catch (const InputError& e) {
    if (where.empty()) throw;  // the built-in sample
    // Name the text as the user finds it in the file, as encode does.
    throw std::invalid_argument(args.texts + ": " + unit + " " + std::to_string(where.at(e.index())) + ": the text " +
                                e.detail());
  }
  const std::vector<TextInput>& shown = texts.empty() ? quantize_check_sample() : texts;

  char line[256];
  std::cout << "quantize-check: " << options.model_dir << ", " << r.cosines.size() << " texts, int8 on the " << r.isa
            << " kernels\n";
  std::snprintf(line, sizeof line, "  vectors, cosine int8 to float32: min %.6f  mean %.6f\n", r.cosine_min,
                r.cosine_mean);
  std::cout << line;
  std::snprintf(line, sizeof line, "  last hidden states, |int8 - float32|: max %.4g  mean %.4g\n",
                static_cast<double>(r.hidden_max_diff), r.hidden_mean_diff);
  std::cout << line;
  // Where the error comes from: a layer whose activations per-row int8 cannot hold jumps here.
  std::cout << "  each layer's output, |int8 - float32| max / mean (--float-layers keeps a layer in float32):\n";
  for (size_t i = 0; i < r.layer_max_diff.size(); ++i) {
    const bool kept = std::binary_search(r.float_layers.begin(), r.float_layers.end(), static_cast<int>(i));
    std::snprintf(line, sizeof line, "    layer %2zu  %9.4g  %9.4g%s\n", i, static_cast<double>(r.layer_max_diff[i]),
                  r.layer_mean_diff[i], kept ? "  (float32)" : "");
    std::cout << line;
  }
  std::vector<size_t> order(r.cosines.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return r.cosines[a] < r.cosines[b]; });
  std::cout << "  lowest:\n";
  for (size_t i = 0; i < order.size() && i < 3; ++i) {
    const size_t t = order[i];
    const std::string text = join_pair(shown[t]);  // a pair as the file has it
    const size_t shown_bytes = utf8::prefix_length(text, 60);
    std::snprintf(line, sizeof line, "    %.6f  %s %zu: ", r.cosines[t], unit.c_str(),
                  where.empty() ? t + 1 : where[t]);
    std::cout << line << text.substr(0, shown_bytes) << (shown_bytes < text.size() ? "..." : "") << "\n";
  }
  if (args.min_cosine && r.cosine_min < *args.min_cosine) {
    throw std::runtime_error("quantize-check: a text's cosine " + std::to_string(r.cosine_min) + " is below --min-cosine " +
                             std::to_string(*args.min_cosine));
  }
}

}  // namespace bertcpp::cli
