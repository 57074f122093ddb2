// `bertcpp tokenize`: one line a token: id, token, [start, end) in code points.
#include "cli/commands.h"
#include <bertcpp/detail/tokenizer/folder.h>
#include <bertcpp/tokenizer/tokenizer.h>

#include <iostream>

namespace bertcpp::cli {

void run_tokenize(const TokenizeArgs& args) {
  const std::string dir = resolve_model_dir(args.model_dir);
  TokenizerOptions options;
  options.lowercase = !args.cased;
  const Tokenizer tokenizer = load_folder_tokenizer(dir, options);
  const Encoding e = args.text_b ? tokenizer.encode_pair(args.text, *args.text_b, args.max_length)
                                 : tokenizer.encode(args.text, args.max_length);
  std::cout << "id\ttype\ttoken\tstart\tend\n";
  for (size_t i = 0; i < e.size(); ++i)
    std::cout << e.ids[i] << '\t' << e.type_ids[i] << '\t' << e.tokens[i] << '\t' << e.offsets[i].first << '\t'
              << e.offsets[i].second << '\n';
}

}  // namespace bertcpp::cli
