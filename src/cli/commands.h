// One function a subcommand; cli.cpp parses the arguments into these option structs.
#pragma once

#include "server/server.h"

#include <bertcpp/encoder.h>

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bertcpp::cli {

// The model and pooling options `encode` and `serve` share.
struct ModelArgs {
  std::string model_dir;  // empty: the bundled model
  // Unset: the model folder's choice (a sentence-transformers chain, else REDUCE_MEAN of -2).
  std::optional<std::string> pooling;
  std::vector<int> layers;  // empty: as pooling
  std::optional<size_t> max_seq_len;
  std::string long_text = "truncate";
  std::optional<std::string> prompt, prompt_name;
  std::optional<size_t> truncate_dim;
  size_t batch_size = 32;
  int threads = 0;
  bool normalize = false;  // only when given: unset leaves the folder's Normalize as it is
  std::string precision = "float32";
  std::vector<int> float_layers;  // kept in float32 under bfloat16 / int8
};
EncoderOptions encoder_options(const ModelArgs& args);

struct EncodeArgs {
  ModelArgs model;
  std::string input, output;
  std::string column = "text";  // .csv
  std::string field = "text";   // .jsonl
  size_t chunk_size = 4096;  // texts read, encoded and written at a time: bounds memory
  bool quiet = false;
};
void run_encode(const EncodeArgs& args);

struct ServeArgs {
  ModelArgs model;
  server::ServerOptions server;  // its encoder options come from `model`; defaults live there
  std::string api_key_file;
};
void run_serve(const ServeArgs& args);

struct TokenizeArgs {
  std::string model_dir;
  std::string text;
  std::optional<std::string> text_b;
  std::optional<size_t> max_length;
  bool cased = false;
};
void run_tokenize(const TokenizeArgs& args);

struct FillMaskArgs {
  std::string model_dir;
  std::string text;
  size_t top_k = 5;
  std::optional<size_t> max_length;
  int threads = 0;
};
void run_fill_mask(const FillMaskArgs& args);

struct QuantizeCheckArgs {
  ModelArgs model;  // no --precision: both are run
  std::string texts;  // a file as `encode --input` reads it; empty: a built-in sample
  std::string column = "text";  // its CSV column, JSON Lines field
  std::string field = "text";
  std::optional<double> min_cosine;  // fail (exit 1) when a text's cosine is below
};
void run_quantize_check(const QuantizeCheckArgs& args);

struct InfoArgs {
  std::string model_dir;
};
void run_info(const InfoArgs& args);
// The kernel variant and the CPU it runs on, as cpu_info() reports them (also `bertcpp info`).
void print_cpu(std::ostream& out);

// The model directory to use: the given one, or the bundled model.
std::string resolve_model_dir(const std::string& model_dir);

}  // namespace bertcpp::cli
