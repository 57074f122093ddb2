// `bertcpp encode`: texts file -> vectors file, a chunk at a time.
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/npy_writer.h"
#include "cli/output_file.h"
#include "cli/text_reader.h"

#include <bertcpp/encoder.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace bertcpp::cli {

namespace {

bool is_npy(const std::string& path) { return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0; }

bool is_jsonl(const std::string& path) {
  return path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
}

}  // namespace

EncoderOptions encoder_options(const ModelArgs& args) {
  EncoderOptions options;
  options.model_dir = resolve_model_dir(args.model_dir);
  if (args.pooling) options.pooling = parse_pooling_strategy(*args.pooling);
  if (!args.layers.empty()) options.pooling_layers = args.layers;
  options.max_seq_len = args.max_seq_len;
  options.long_text = parse_long_text(args.long_text);
  options.prompt = args.prompt;
  options.prompt_name = args.prompt_name;
  options.truncate_dim = args.truncate_dim;
  options.batch_size = args.batch_size;
  options.threads = args.threads;
  options.precision = parse_precision(args.precision);
  options.float_layers = args.float_layers;
  if (args.normalize) options.normalize = true;
  return options;
}

void run_encode(const EncodeArgs& args) {
  if (!is_npy(args.output) && !is_jsonl(args.output))
    throw std::invalid_argument("--output " + args.output + ": expected a .npy or .jsonl file name");
  if (args.chunk_size == 0) throw std::invalid_argument("--chunk-size must be at least 1");

  const EncoderOptions options = encoder_options(args.model);
  // Input and output are checked before the model loads: a wrong file fails fast. The output
  // is written under a temporary name, renamed to args.output only when every text is in.
  OutputFile output(args.output, args.input);
  TextReader reader(args.input, args.column, args.field);
  const Encoder encoder(options);
  // Token vectors only stack into one array when every text has the same length T.
  if (encoder.pooling_modes().front() == PoolingStrategy::None && !encoder.max_seq_len())
    throw std::invalid_argument("--pooling NONE needs --max-seq-len: the output is [n, max_seq_len, H]");
  std::unique_ptr<NpyWriter> npy;
  std::ofstream jsonl;
  std::vector<int64_t> row_shape;
  for (size_t d : encoder.output_row_shape(encoder.max_seq_len().value_or(0))) row_shape.push_back(static_cast<int64_t>(d));
  if (is_npy(args.output)) {
    npy = std::make_unique<NpyWriter>(output.open(), output.temp_path(), row_shape);
  } else {
    jsonl = output.open();
  }

  const auto start = std::chrono::steady_clock::now();
  size_t written = 0;
  auto report = [&](size_t done) {
    if (args.quiet) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rbertcpp encode: %zu texts, %.1f s, %.0f texts/s", done, seconds,
                 seconds > 0 ? done / seconds : 0.0);
    std::fflush(stderr);
  };
  std::vector<TextInput> chunk;
  std::vector<size_t> where;  // line (or CSV record) of each text of the chunk
  auto keep_going = [] { return !InterruptScope::requested(); };
  while (reader.next_chunk(args.chunk_size, chunk, where)) {
    RowMatrix vectors;
    try {
      vectors = encoder.encode(
          chunk,
          [&](size_t done, size_t) {
            report(written + done);
            return keep_going();
          },
          keep_going);
    } catch (const InputError& e) {
      // Name the text as the user finds it in the file, not by its place in this chunk.
      throw std::invalid_argument(args.input + ": line " + std::to_string(where.at(e.index())) +
                                  ": the text " + e.detail());
    }
    if (npy) {
      npy->append(vectors.data(), vectors.rows());
    } else {
      for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
        nlohmann::json row = std::vector<float>(vectors.row(r).data(), vectors.row(r).data() + vectors.cols());
        if (row_shape.size() == 2) {  // [T, H] rows for NONE
          nlohmann::json steps = nlohmann::json::array();
          for (int64_t t = 0; t < row_shape[0]; ++t)
            steps.push_back(std::vector<float>(vectors.row(r).data() + t * row_shape[1],
                                               vectors.row(r).data() + (t + 1) * row_shape[1]));
          row = std::move(steps);
        }
        jsonl << nlohmann::json{{"vector", row}}.dump() << '\n';
      }
      if (!jsonl) throw std::runtime_error(output.temp_path() + ": write failed (disk full?)");
    }
    written += chunk.size();
    report(written);
  }
  if (!args.quiet) std::fprintf(stderr, "\n");
  if (written == 0) throw std::invalid_argument(args.input + ": no texts to encode");
  if (npy) npy->finish();
  if (jsonl.is_open()) {
    jsonl.close();
    if (!jsonl) throw std::runtime_error(output.temp_path() + ": could not finish the file (disk full?)");
  }
  output.commit();
}

}  // namespace bertcpp::cli
