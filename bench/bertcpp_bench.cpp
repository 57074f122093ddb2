// bertcpp's performance table in one run:
//   build-perf/bench/bertcpp_bench            (see bench/README.md; --help for options)
// 1. this machine's fp32 GEMM peak (OpenBLAS through Eigen, our packed kernel, Eigen's own GEMM, torch's);
// 2. BERT-base fixed shapes at 1 and 2 threads: ms/batch, tokens/s, % of the GEMM peak,
//    the same-run PyTorch and ONNX Runtime baselines and the ratios;
// 3. bert-as-service's default work (REDUCE_MEAN of layer -2) and CLS_TOKEN vs the full model;
// 4. the bundled tweets end to end, padded to 128 vs packed + dynamic batching, and the
//    tokenizer's share of the time.
#include "baseline_runner.h"
#include "gemm_peak.h"
#include "random_bert.h"
#include "timing.h"
#include "tweets.h"
#include "workloads.h"

#include <bertcpp/detail/all.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bertcpp::bench {
namespace {

struct Shape {
  int batch = 0, seq = 0;
  std::string name() const { return std::to_string(batch) + "x" + std::to_string(seq); }
};

std::vector<Shape> parse_shapes(const std::string& text) {
  std::vector<Shape> shapes;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t x = item.find('x');
    if (x == std::string::npos) throw std::invalid_argument("--shapes: '" + item + "' is not BATCHxSEQ");
    shapes.push_back({std::stoi(item.substr(0, x)), std::stoi(item.substr(x + 1))});
  }
  return shapes;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : " ") + item;
  return s;
}

// The pure-Eigen GEMM binary built next to this one.
double eigen_gemm_gflops(const std::string& self_dir, int reps) {
  const std::string command = self_dir + "/bertcpp_gemm_eigen " + std::to_string(reps) + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  double gflops = 0;
  if (pipe && std::fscanf(pipe.get(), "gflops=%lf", &gflops) == 1) return gflops;
  return 0;
}

std::string directory_of_self() {
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  return self.substr(0, self.rfind('/'));
}

void print_end_to_end(const char* name, const EndToEnd& r) {
  const double n = static_cast<double>(r.sentences);
  std::printf("  %-22s %6zu tweets %8zu tokens | padded %8.1f sent/s | packed %8.1f sent/s | x%5.2f | tokenize %5.1f%%\n",
              name, r.sentences, r.real_tokens, n / r.padded_seconds, n / r.packed_seconds,
              r.padded_seconds / r.packed_seconds, 100.0 * r.tokenize_seconds / r.packed_seconds);
}

}  // namespace
}  // namespace bertcpp::bench

int main(int argc, char** argv) {
  using namespace bertcpp;
  using namespace bertcpp::bench;
  CLI::App app{"bertcpp benchmark: GEMM peak, BERT-base shapes, bert-as-service work, tweets end to end"};
  int reps = 10;
  std::string shapes_text = "1x128,8x128,32x32,1x512";
  std::vector<int> thread_counts = {1, 2};
  std::string model_dir;
  bool skip_torch = false, skip_e2e = false, skip_bf16 = false, skip_int8 = false;
  size_t base_tweets = 1000, mini_tweets = 0;
  std::string python = "/usr/bin/python3";
  std::string ort_modules = BERTCPP_BENCH_BUILD_DIR "/ort/node_modules";
  bool skip_ort = false;
  app.add_option("--reps", reps, "timed runs per figure (median reported; one warm-up run first)");
  app.add_option("--shapes", shapes_text, "fixed shapes BATCHxSEQ, comma-separated");
  app.add_option("--threads", thread_counts, "thread counts to run")->delimiter(',');
  app.add_option("--model-dir", model_dir, "time this model directory instead of random BERT-base weights");
  app.add_option("--base-tweets", base_tweets, "tweets for the BERT-base end-to-end run (0: all)");
  app.add_option("--mini-tweets", mini_tweets, "tweets for the bundled-model end-to-end run (0: all)");
  app.add_flag("--no-torch", skip_torch, "skip the PyTorch baseline");
  app.add_flag("--no-e2e", skip_e2e, "skip the tweets end-to-end runs");
  app.add_flag("--no-bf16", skip_bf16, "skip the bfloat16 rows");
  app.add_flag("--no-int8", skip_int8, "skip the int8 rows");
  app.add_option("--python", python, "interpreter for bench/baseline_torch.py");
  app.add_option("--ort-node-modules", ort_modules, "node_modules holding onnxruntime-node (see bench/README.md)");
  app.add_flag("--no-ort", skip_ort, "skip the ONNX Runtime baseline");
  CLI11_PARSE(app, argc, argv);
  const std::vector<Shape> shapes = parse_shapes(shapes_text);

  std::printf("== machine ==\n");
  const CpuInfo cpu = cpu_info();
  std::printf("  cpu: %s, %u logical CPUs\n", cpu_model().c_str(), std::thread::hardware_concurrency());
  std::printf("  kernel variant: %s (this CPU runs: %s; fast precisions: %s; BERTCPP_CPU_ISA forces one)\n",
              cpu.isa.c_str(), joined(cpu.supported).c_str(), joined(cpu.precisions).c_str());
  std::printf("  load average at start: %s (other processes share these cores)\n", load_average().c_str());
  std::printf("  median of %d runs after one warm-up\n", reps);
  std::fflush(stdout);

  // PyTorch first, in its own process, so that it never shares the cores with bertcpp's runs.
  std::string thread_list;
  for (int t : thread_counts) thread_list += (thread_list.empty() ? "" : ",") + std::to_string(t);
  const std::string common_args = " --shapes " + shapes_text + " --threads " + thread_list + " --reps " + std::to_string(reps);
  BaselineResults torch;
  if (!skip_torch) {
    torch = run_baseline(python + " " BERTCPP_BENCH_DIR "/baseline_torch.py" + common_args);
    if (!torch.available) std::printf("  PyTorch baseline skipped: %s\n", torch.message.c_str());
  }
  // ONNX Runtime stays running beside this process and is timed in turns with bertcpp, run for
  // run (timing.h), so both see the same load on a shared machine; it sleeps while bertcpp runs.
  std::unique_ptr<BaselineServer> ort;
  if (!skip_ort) {
    if (!std::filesystem::exists(ort_modules + "/onnxruntime-node")) {
      std::printf("  ONNX Runtime baseline skipped: no %s/onnxruntime-node (see bench/README.md)\n", ort_modules.c_str());
    } else {
      // The torch baseline's model, exported once; speed does not depend on the weights' values.
      const std::string onnx = BERTCPP_BENCH_BUILD_DIR "/bert-base-random.onnx";
      if (!std::filesystem::exists(onnx)) {
        run_baseline(python + " " BERTCPP_BENCH_DIR "/baseline_torch.py --export-onnx " + onnx);
      }
      // Its int8 twin: the same model dynamically quantized as onnxruntime's quantize_dynamic does.
      const std::string onnx_int8 = BERTCPP_BENCH_BUILD_DIR "/bert-base-random-int8.onnx";
      if (!skip_int8 && !std::filesystem::exists(onnx_int8)) {
        run_baseline(python + " " BERTCPP_BENCH_DIR "/quantize_onnx_int8.py " + onnx + " " + onnx_int8);
      }
      ort = std::make_unique<BaselineServer>("NODE_PATH=" + ort_modules + " node " BERTCPP_BENCH_DIR
                                             "/baseline_ort.js --serve --model " + onnx +
                                             (skip_int8 ? "" : " --int8-model " + onnx_int8));
      if (!ort->available()) {
        std::printf("  ONNX Runtime baseline skipped: %s\n", ort->message().c_str());
        ort.reset();
      }
    }
  }
  if (torch.available) std::printf("  baseline torch %s (%s)\n", torch.version.c_str(), python.c_str());
  if (ort) std::printf("  baseline onnxruntime-node %s, timed in turns with bertcpp\n", ort->version().c_str());

  std::printf("\n== fp32 GEMM peak: [1024,768] x [3072,768]^T ==\n");
  std::vector<double> peak(thread_counts.size());
  for (size_t i = 0; i < thread_counts.size(); ++i) {
    const double library = gemm_peak_gflops(thread_counts[i], reps);
    const double packed = packed_gemm_gflops(thread_counts[i], reps);
    peak[i] = std::max(library, packed);
    std::printf("  %-28s %d thread(s): %7.1f GFLOP/s\n", gemm_route(), thread_counts[i], library);
    std::printf("  %-28s %d thread(s): %7.1f GFLOP/s\n", "bertcpp packed kernel", thread_counts[i], packed);
    if (const double* g = torch.find("gemm/" + std::to_string(thread_counts[i]))) {
      std::printf("  %-28s %d thread(s): %7.1f GFLOP/s\n", ("torch " + torch.version).c_str(), thread_counts[i], *g);
    }
  }
  if (const double eigen = eigen_gemm_gflops(directory_of_self(), reps); eigen > 0) {
    std::printf("  %-28s 1 thread(s): %7.1f GFLOP/s\n", "Eigen built-in GEMM", eigen);
  }
  std::printf("  peak = the fastest route at each thread count:");
  for (size_t i = 0; i < thread_counts.size(); ++i) std::printf(" %.1f (%d thr)", peak[i], thread_counts[i]);
  std::printf("\n");
  // The int8 kernel on the same product and on its first 128 rows (x quantized per call, as in
  // the model): its peak is the faster of the two.
  std::vector<double> int8_peak(thread_counts.size());
  if (!skip_int8) {
    for (size_t i = 0; i < thread_counts.size(); ++i) {
      const double full = packed_gemm_gflops(thread_counts[i], reps, Precision::Int8);
      const double short_x = packed_gemm_gflops(thread_counts[i], reps, Precision::Int8, 128);
      int8_peak[i] = std::max(full, short_x);
      std::printf("  %-28s %d thread(s): %7.1f GOP/s (x of 128 rows: %.1f)\n", "bertcpp int8 kernel",
                  thread_counts[i], full, short_x);
    }
  }
  std::fflush(stdout);

  std::shared_ptr<const BertModel> model;
  const double load_seconds = seconds_once([&] {
    model = model_dir.empty() ? random_bert(bert_base_config())
                              : std::make_shared<const BertModel>(BertModel::load(model_dir));
  });
  const BertConfig& config = model->config();
  std::printf("\n== %s: %d layers, H=%d, %d heads, I=%d (built/loaded in %.2f s) ==\n",
              model_dir.empty() ? "BERT-base, seeded random weights" : model_dir.c_str(), config.num_hidden_layers,
              config.hidden_size, config.num_attention_heads, config.intermediate_size, load_seconds);
  std::printf("  %-7s %3s | %9s %9s %7s | %9s %9s %8s | %9s %9s %8s\n", "shape", "thr", "ms/batch", "tokens/s",
              "%peak", "torch t/s", "torch ms", "vs torch", "ORT t/s", "ORT ms", "vs ORT");
  // Median seconds of one full forward pass of `batch` on `threads` threads and, when ONNX
  // Runtime runs `ort_kind`, its median on the same shape, timed in turns with ours.
  auto time_forward = [&](const BertModel& m, const TokenBatch& batch, const Shape& shape, int threads,
                          const char* ort_kind) -> std::pair<double, std::optional<double>> {
    ForwardOptions options;
    options.threads = threads;
    auto forward = [&] { m.forward(batch, options); };
    if (ort) {
      try {
        return paired_median_seconds(reps, [&] { return seconds_once(forward); },
                                     [&] { return ort->run_once(ort_kind, shape.name(), threads); });
      } catch (const std::runtime_error& e) {
        std::printf("  (ONNX Runtime %s on %s: %s)\n", ort_kind, shape.name().c_str(), e.what());
      }
    }
    return {median_seconds(reps, forward), std::nullopt};
  };
  std::map<std::string, double> tokens_per_second, ort_seconds;
  for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
    const int threads = thread_counts[ti];
    for (const Shape& shape : shapes) {
      const std::string key = shape.name() + "/" + std::to_string(threads);
      const TokenBatch batch = fixed_batch(shape.batch, shape.seq, config);
      const auto [seconds, ort_time] = time_forward(*model, batch, shape, threads, "bert");
      const double tokens = batch.num_tokens();
      tokens_per_second[key] = tokens / seconds;
      const double gflops = forward_flops(config, batch, config.num_hidden_layers) / seconds / 1e9;
      std::printf("  %-7s %3d | %9.1f %9.1f %6.1f%% |", shape.name().c_str(), threads, seconds * 1e3, tokens / seconds,
                  100.0 * gflops / peak[ti]);
      auto print_baseline = [&](const double* t) {
        if (t != nullptr) {
          std::printf(" %9.1f %9.1f %7.2fx |", tokens / *t, *t * 1e3, *t / seconds);
        } else {
          std::printf(" %9s %9s %8s |", "-", "-", "-");
        }
      };
      print_baseline(torch.find("bert/" + key));
      if (ort_time) ort_seconds[key] = *ort_time;
      print_baseline(ort_time ? &*ort_time : nullptr);
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  if (thread_counts.size() >= 2) {
    std::printf("  scaling %d -> %d threads:", thread_counts[0], thread_counts[1]);
    for (const Shape& shape : shapes) {
      std::printf(" %s x%.2f", shape.name().c_str(),
                  tokens_per_second[shape.name() + "/" + std::to_string(thread_counts[1])] /
                      tokens_per_second[shape.name() + "/" + std::to_string(thread_counts[0])]);
    }
    std::printf("\n");
  }

  // The same weights with the products in bfloat16 (Precision::BFloat16) and in int8
  // (Precision::Int8), against float32 and against ONNX Runtime: its float32 model for both, and
  // its dynamically quantized int8 model for int8 (it runs no bfloat16 model).
  for (const Precision precision : {Precision::BFloat16, Precision::Int8}) {
    if (precision == Precision::BFloat16 ? skip_bf16 : skip_int8) continue;
    const auto rounded = model_dir.empty() ? random_bert(bert_base_config(), precision)
                                           : std::make_shared<const BertModel>(BertModel::load(model_dir, precision));
    const char* how = precision == Precision::Int8
                          ? (precision_fast(precision) ? "int8 x int8 products in SIMD integer units, exact int32 sums"
                                                       : "int8 products in the generic C++ kernel")
                      : precision_fast(precision) ? "bfloat16 products in hardware, float32 sums"
                                                  : "bfloat16 weights widened to float32 in the kernel";
    std::printf("\n== the same model in %s (%s) ==\n", precision_name(precision), how);
    std::printf("  %-7s %3s | %9s %9s %7s | %10s | %9s | %9s %9s\n", "shape", "thr", "ms/batch", "tokens/s",
                "%peak", "vs float32", "vs ORT", "ORT int8", "vs int8");
    for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
      const int threads = thread_counts[ti];
      for (const Shape& shape : shapes) {
        const std::string key = shape.name() + "/" + std::to_string(threads);
        const TokenBatch batch = fixed_batch(shape.batch, shape.seq, config);
        // In turns with ONNX Runtime's int8 model for int8, with its float32 model for bfloat16.
        const auto [seconds, ort_time] =
            time_forward(*rounded, batch, shape, threads, precision == Precision::Int8 ? "bert_int8" : "bert");
        const double tokens = batch.num_tokens();
        // int8: % of the int8 kernel's peak above (bfloat16 has no peak of its own measured).
        const double gflops = forward_flops(config, batch, config.num_hidden_layers) / seconds / 1e9;
        std::printf("  %-7s %3d | %9.1f %9.1f", shape.name().c_str(), threads, seconds * 1e3, tokens / seconds);
        if (precision == Precision::Int8) {
          std::printf(" %6.1f%% |", 100.0 * gflops / int8_peak[ti]);
        } else {
          std::printf(" %7s |", "-");
        }
        std::printf(" %9.2fx |", tokens / seconds / tokens_per_second[key]);
        // vs ONNX Runtime's float32: this row's own turns for bfloat16, the float32 table's for int8.
        const double* fp32 = precision == Precision::Int8 ? (ort_seconds.count(key) ? &ort_seconds[key] : nullptr)
                                                          : (ort_time ? &*ort_time : nullptr);
        if (fp32 != nullptr) {
          std::printf(" %8.2fx |", *fp32 / seconds);
        } else {
          std::printf(" %9s |", "-");
        }
        if (precision == Precision::Int8 && ort_time) {
          std::printf(" %9.1f %8.2fx\n", tokens / *ort_time, *ort_time / seconds);
        } else {
          std::printf(" %9s %9s\n", "-", "-");
        }
        std::fflush(stdout);
      }
    }
  }

  // The bundled vocabulary: the random model's ids only need to be in range.
  const std::string vocab = default_model_dir() + "/vocab.txt";
  auto tokenizer = std::make_shared<const Tokenizer>(vocab);
  // Encoder work on 8x128 as a ratio to the full model of the same thread count.
  const std::vector<Encoding> eight = fixed_encodings(8, 128, config);
  auto encoder_rows = [&](const char* title, EncoderOptions options) {
    std::printf("\n== %s on 8x128 ==\n", title);
    for (int threads : thread_counts) {
      options.threads = threads;
      const Encoder encoder(model, tokenizer, options);
      const double seconds = median_seconds(reps, [&] { encoder.encode_encodings(eight); });
      const double tps = 8 * 128 / seconds;
      std::printf("  %d thread(s): %9.1f ms/batch %9.1f tokens/s", threads, seconds * 1e3, tps);
      if (auto full = tokens_per_second.find("8x128/" + std::to_string(threads)); full != tokens_per_second.end()) {
        std::printf(" = %5.2fx the full model", tps / full->second);
      }
      std::printf("\n");
    }
  };
  encoder_rows("bert-as-service default work (REDUCE_MEAN of layer -2, Encoder)", EncoderOptions{});
  // CLS_TOKEN of the last layer: the last layer computes only first tokens (first_token_only).
  EncoderOptions cls;
  cls.pooling = PoolingStrategy::FirstToken;
  cls.pooling_layers = std::vector<int>{-1};
  encoder_rows("CLS_TOKEN of the last layer (Encoder): the last layer runs [CLS] rows only", cls);

  if (!skip_e2e) {
    const std::string csv = BERTCPP_SOURCE_DIR "/data/trump_tweets.csv";
    const int threads = thread_counts.back();
    std::printf("\n== tweets end to end (%s), REDUCE_MEAN of layer -2, max_seq_len 128, batch 32, %d thread(s) ==\n",
                csv.c_str(), threads);
    EncoderOptions options;
    options.max_seq_len = 128;
    options.threads = threads;
    {
      auto mini = std::make_shared<const BertModel>(BertModel::load(default_model_dir()));
      const Encoder encoder(mini, tokenizer, options);
      print_end_to_end("bert-mini-uncased", run_end_to_end(encoder, read_tweets(csv, mini_tweets), 128, 32, threads));
      std::fflush(stdout);
    }
    const Encoder encoder(model, tokenizer, options);
    print_end_to_end(model_dir.empty() ? "BERT-base (random)" : "--model-dir",
                     run_end_to_end(encoder, read_tweets(csv, base_tweets), 128, 32, threads));
  }
  std::printf("\n  load average at end: %s\n", load_average().c_str());
  return 0;
}
