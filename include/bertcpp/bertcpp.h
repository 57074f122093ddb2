// bertcpp: BERT-family encoders on the CPU, text in, vectors out.
//
//   #include <bertcpp/bertcpp.h>
//
//   bertcpp::Encoder encoder;  // the bundled models/bert-mini-uncased
//   bertcpp::RowMatrix v = encoder.encode({{"I love data science"}, {"He went to the bank"}});
//   // v.rows() == 2, v.cols() == 256: REDUCE_MEAN of layer -2, bert-as-service's default
//
//   bertcpp::EncoderOptions options;                // another model folder, pooling, layers
//   options.model_dir = "path/to/bge-small-en-v1.5";
//   bertcpp::Encoder bge(options);
//
//   bertcpp::EncoderOptions fast;
//   fast.precision = bertcpp::Precision::BFloat16;  // ~1.9x on AVX512_BF16 CPUs, ~1e-2 off float32
//   bertcpp::cpu_info().isa;                        // the kernel variant this CPU runs
//
// The installed headers are the stable API (bertcpp.h includes them all):
//   encoder.h              Encoder, EncoderOptions, LongText, RankedDocument
//   tokenizer/             Tokenizer, TokenizerOptions, TextInput, Encoding, Vocab, split_pair,
//                          InputError and Cancelled (errors.h)
//   pooling/               PoolingStrategy and its table, similarity, output quantization
//   loaders/config.h       BertConfig (config.json)
//   matrix.h, types.h      RowMatrix; Precision, Activation
//   cpu.h, version.h       the CPU and kernel variant in use; BERTCPP_VERSION
// The stages behind them (model, heads, checkpoint readers, tokenizer internals) live in
// bertcpp/detail/, which is not installed and may change in any release.
//
// Errors: std::invalid_argument for bad input (an empty list, a sequence longer than the
// model allows), std::runtime_error for bad files (missing, corrupt, shapes that disagree
// with the config), each naming the file, the tensor or the field.
//
// Thread safety: Vocab, Tokenizer, BertModel and Encoder are immutable once constructed, and
// every const member function may be called from many threads at once on one shared object
// (Encoder::encode, Tokenizer::encode/encode_batch, BertModel::forward, the heads, pool()),
// with results bit-identical to serial calls with the same options
// (tests/reliability/concurrency_test.cpp). Each call keeps its workspace to itself. The hidden
// states are the same bits whatever `threads` is and however the batch is grouped (threads
// split whole products, never one sum), on every kernel variant. `threads` = N means at most N
// busy cores for that call, and no call changes a process-wide setting. Not safe: assigning to
// or destroying an object while another thread uses it; a ProgressCallback runs on the calling
// thread.
//
// CPUs: one build runs everywhere; the kernels are chosen at run time for the CPU (cpu.h,
// BERTCPP_CPU_ISA to force one). fork: a child process starts its own thread pool.
//
// Untrusted input: the readers check every size, offset and checksum before use (fuzzed with
// libFuzzer, fuzz/), and text of any bytes is accepted: invalid UTF-8 (incl. encoded
// surrogates) is dropped, control and format characters (NUL, U+200F, U+202E, U+FEFF) are
// removed, and time is linear in the input (tests/reliability/text_hardening_test.cpp).
#pragma once

#include <bertcpp/cpu.h>
#include <bertcpp/encoder.h>
#include <bertcpp/loaders/config.h>
#include <bertcpp/matrix.h>
#include <bertcpp/pooling/pooling.h>
#include <bertcpp/pooling/quantize.h>
#include <bertcpp/pooling/similarity.h>
#include <bertcpp/quantize_check.h>
#include <bertcpp/tokenizer/encoding.h>
#include <bertcpp/tokenizer/errors.h>
#include <bertcpp/tokenizer/pair_marker.h>
#include <bertcpp/tokenizer/tokenizer.h>
#include <bertcpp/tokenizer/vocab.h>
#include <bertcpp/types.h>
#include <bertcpp/version.h>
