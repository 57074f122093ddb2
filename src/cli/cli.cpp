// Argument parsing and dispatch for the bertcpp command (CLI11); the work is in *_command.cpp.
#include "cli/cli.h"

#include "cli/commands.h"
#include "cli/interrupt.h"

#include <bertcpp/encoder.h>
#include <bertcpp/version.h>

#include <CLI/CLI.hpp>

#include <iostream>

namespace bertcpp::cli {

std::string resolve_model_dir(const std::string& model_dir) {
  return model_dir.empty() ? bertcpp::default_model_dir() : model_dir;
}

namespace {

const char* kModelHelp = "model directory (config.json, vocab.txt, weights); default: the bundled bert-mini-uncased";

void add_threads_option(CLI::App* cmd, int& threads) {
  cmd->add_option("--threads", threads, "threads (0: all cores)")
      ->check(CLI::Range(0, static_cast<int>(Tokenizer::kMaxThreads)))->capture_default_str();
}

// The options that choose the model and its pooling, the same for encode and serve.
void add_model_options(CLI::App* cmd, ModelArgs& model) {
  cmd->add_option("--model,-m", model.model_dir, kModelHelp);
  cmd->add_option("--pooling", model.pooling,
                  "REDUCE_MEAN, REDUCE_MAX, REDUCE_MEAN_MAX, CLS_TOKEN, SEP_TOKEN, CLS_POOLED, MEAN_SQRT_LEN_TOKENS, "
                  "WEIGHTED_MEAN or NONE (default: a sentence-transformers folder's own chain, else REDUCE_MEAN)");
  cmd->add_option("--layer", model.layers, "layer(s) to pool, negative from the last (e.g. --layer -1 -2 or -1,-2): "
                                           "several are concatenated (default: -1 for a sentence-transformers folder, else -2)")
      ->delimiter(',');
  cmd->add_option("--max-seq-len", model.max_seq_len,
                  "tokens per text incl. [CLS]/[SEP] (default: the folder's max_seq_length, else max_position_embeddings)")
      ->check(CLI::Range(size_t{2}, size_t{1} << 20));
  cmd->add_option("--long-text", model.long_text,
                  "texts longer than that: truncate, error, or window (overlapping windows averaged)")
      ->check(CLI::IsMember({"truncate", "error", "window"}))
      ->capture_default_str();
  cmd->add_option("--prompt-name", model.prompt_name, "a prompt of the folder's config_sentence_transformers.json");
  cmd->add_option("--prompt", model.prompt, "text put before every input");
  cmd->add_option("--truncate-dim", model.truncate_dim, "keep the first N dimensions of each vector (Matryoshka)");
  cmd->add_option("--batch-size", model.batch_size, "sequences per forward pass")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))->capture_default_str();
  add_threads_option(cmd, model.threads);
  cmd->add_option("--precision", model.precision,
                  "float32 (matches transformers), bfloat16 (about 2x faster with AVX512_BF16, ~1e-2 off) or "
                  "int8 (int8 weights and inputs of the layers' products; see quantize-check)")
      ->check(CLI::IsMember({"float32", "fp32", "bfloat16", "bf16", "int8"}))
      ->capture_default_str();
  cmd->add_option("--float-layers", model.float_layers,
                  "layers kept in float32 under bfloat16 or int8 (0-based, negative from the last; e.g. --float-layers 0,-1), "
                  "for activations per-row quantization cannot hold: quantize-check shows where the error grows")
      ->delimiter(',');
  cmd->add_flag("--normalize", model.normalize, "L2-normalize each vector");
}

}  // namespace

int run(const std::vector<std::string>& argv) {
  CLI::App app{"bertcpp: BERT encoders on the CPU. Text in, vectors out.", "bertcpp"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "bertcpp " BERTCPP_VERSION);
  const std::string model_help = kModelHelp;

  EncodeArgs encode;
  CLI::App* encode_cmd = app.add_subcommand("encode", "Embed every text of a file into a .npy or .jsonl file, streaming");
  add_model_options(encode_cmd, encode.model);
  encode_cmd->add_option("--input,-i", encode.input, "input: .txt (one text a line), .csv/.tsv (see --column) or .jsonl (see --field); "
                                                      "'first ||| second' is a sentence pair")
      ->required()->check(CLI::ExistingFile);
  encode_cmd->add_option("--output,-o", encode.output, "output: .npy (float32 [n, dim]) or .jsonl ({\"vector\": [...]} a line)")
      ->required();
  encode_cmd->add_option("--column", encode.column, "CSV column holding the text")->capture_default_str();
  encode_cmd->add_option("--field", encode.field, "JSON Lines field holding the text")->capture_default_str();
  encode_cmd->add_option("--chunk-size", encode.chunk_size, "texts held in memory at a time")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24))->capture_default_str();
  encode_cmd->add_flag("--quiet,-q", encode.quiet, "no progress on stderr");

  ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve embeddings over HTTP (bert-as-service, OpenAI and TEI-style APIs), "
                                                    "batching requests from many clients");
  add_model_options(serve_cmd, serve.model);
  serve_cmd->add_option("--host", serve.server.host, "address to listen on; anything but loopback exposes the server to the network")
      ->capture_default_str();
  serve_cmd->add_option("--port,-p", serve.server.port, "port (0: any free port, printed at start)")->capture_default_str();
  serve_cmd->add_option("--max-batch-tokens", serve.server.max_batch_tokens, "tokens one batch across requests holds at most")
      ->capture_default_str();
  serve_cmd->add_option("--max-queue", serve.server.max_queue, "requests waiting for a batch; beyond: 503 with Retry-After")
      ->capture_default_str();
  serve_cmd->add_option("--max-body-bytes", serve.server.max_body_bytes, "largest request body; beyond: 413")->capture_default_str();
  serve_cmd->add_option("--max-inputs", serve.server.max_inputs, "texts a request at most; beyond: 413")->capture_default_str();
  serve_cmd->add_option("--max-input-bytes", serve.server.max_input_bytes, "bytes a text at most; beyond: 413")->capture_default_str();
  serve_cmd->add_option("--timeout", serve.server.timeout_seconds, "seconds a request may wait for its result; beyond: 504")->capture_default_str();
  serve_cmd->add_option("--api-key", serve.server.api_key, "require 'Authorization: Bearer <key>' (visible in ps: prefer --api-key-file)");
  serve_cmd->add_option("--api-key-file", serve.api_key_file, "file holding the API key (first line)")->check(CLI::ExistingFile);
  serve_cmd->add_option("--http-threads", serve.server.http_threads, "connections served at once")->capture_default_str();

  TokenizeArgs tokenize;
  CLI::App* tokenize_cmd = app.add_subcommand("tokenize", "Print the WordPiece tokens, ids and offsets of a text");
  tokenize_cmd->add_option("text", tokenize.text, "the text")->required();
  tokenize_cmd->add_option("--text-b", tokenize.text_b, "second text of a pair");
  tokenize_cmd->add_option("--model,-m", tokenize.model_dir, model_help);
  tokenize_cmd->add_option("--max-length", tokenize.max_length, "truncate to this many tokens incl. [CLS]/[SEP]")
      ->check(CLI::Range(size_t{2}, size_t{1} << 20));
  tokenize_cmd->add_flag("--cased", tokenize.cased, "do not lowercase or strip accents (default: as the model directory says)");

  FillMaskArgs fill;
  CLI::App* fill_cmd = app.add_subcommand("fill-mask", "Predict the words behind each [MASK] of a text");
  fill_cmd->add_option("text", fill.text, "a text with one or more [MASK]")->required();
  fill_cmd->add_option("--model,-m", fill.model_dir, model_help);
  fill_cmd->add_option("--top-k", fill.top_k, "predictions a mask")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))->capture_default_str();
  fill_cmd->add_option("--max-length", fill.max_length, "truncate to this many tokens incl. [CLS]/[SEP]")
      ->check(CLI::Range(size_t{3}, size_t{1} << 20));
  add_threads_option(fill_cmd, fill.threads);

  QuantizeCheckArgs qcheck;
  CLI::App* qcheck_cmd = app.add_subcommand("quantize-check", "Measure what --precision int8 costs a model: encode texts "
                                                             "in float32 and int8 and compare");
  add_model_options(qcheck_cmd, qcheck.model);
  qcheck_cmd->remove_option(qcheck_cmd->get_option("--precision"));  // it runs both: float32 against int8
  qcheck_cmd->add_option("--texts", qcheck.texts, "texts as `encode --input` reads them (default: a built-in sample)")
      ->check(CLI::ExistingFile);
  qcheck_cmd->add_option("--column", qcheck.column, "CSV column holding the text")->capture_default_str();
  qcheck_cmd->add_option("--field", qcheck.field, "JSON Lines field holding the text")->capture_default_str();
  qcheck_cmd->add_option("--min-cosine", qcheck.min_cosine, "exit 1 if any text's cosine to float32 is below this")
      ->check(CLI::Range(-1.0, 1.0));

  InfoArgs info;
  CLI::App* info_cmd = app.add_subcommand("info", "Show a model's config, parameter count and the files found");
  info_cmd->add_option("--model,-m", info.model_dir, model_help);

  std::vector<const char*> args;
  for (const auto& a : argv) args.push_back(a.c_str());
  if (args.empty()) args.push_back("bertcpp");
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Ctrl-C stops the command between batches (the output is then not written); the caller's
  // handlers come back afterwards.
  InterruptScope interrupt;
  try {
    if (encode_cmd->parsed()) run_encode(encode);
    if (serve_cmd->parsed()) run_serve(serve);
    if (tokenize_cmd->parsed()) run_tokenize(tokenize);
    if (fill_cmd->parsed()) run_fill_mask(fill);
    if (info_cmd->parsed()) run_info(info);
    if (qcheck_cmd->parsed()) run_quantize_check(qcheck);
  } catch (const Cancelled&) {
    std::cout.flush();
    std::cerr << "\nbertcpp: interrupted (" << InterruptScope::signal_name() << "); no output written" << std::endl;
    return 128 + InterruptScope::signal_number();
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "bertcpp: error: " << e.what() << std::endl;
    return 1;
  }
  std::cout.flush();
  return 0;
}

}  // namespace bertcpp::cli
