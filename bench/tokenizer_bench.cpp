// Tokenizer throughput on the bundled tweets (data/trump_tweets.csv, column `text`): tokens/s and
// MB/s, one thread and all threads. Tokenization must stay a small share of encoding time.
#include "tweets.h"

#include <bertcpp/tokenizer/tokenizer.h>

#include <benchmark/benchmark.h>

#include <string>
#include <thread>
#include <vector>

namespace {

const std::vector<bertcpp::TextInput>& tweets() {
  static const auto texts = bertcpp::bench::read_tweets(std::string(BERTCPP_DATA_DIR) + "/trump_tweets.csv");
  return texts;
}

const bertcpp::Tokenizer& tokenizer() {
  static const bertcpp::Tokenizer tok(std::string(BERTCPP_MODEL_DIR) + "/vocab.txt");
  return tok;
}

void BM_EncodeBatchTweets(benchmark::State& state) {
  const auto& texts = tweets();
  const size_t threads = static_cast<size_t>(state.range(0));
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.a.size();
  size_t tokens = 0;
  for (auto _ : state) {
    const auto encodings = tokenizer().encode_batch(texts, std::nullopt, threads);
    tokens = 0;
    for (const auto& e : encodings) tokens += e.size();
    benchmark::DoNotOptimize(encodings.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["texts"] = static_cast<double>(texts.size());
  state.counters["threads"] = static_cast<double>(threads == 0 ? std::thread::hardware_concurrency() : threads);
}
BENCHMARK(BM_EncodeBatchTweets)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// One long text: the per-call path without thread start-up.
void BM_EncodeOneMegabyte(benchmark::State& state) {
  std::string text;
  for (const auto& t : tweets()) {
    if (text.size() >= 1'000'000) break;
    text += t.a;
    text += '\n';
  }
  size_t tokens = 0;
  for (auto _ : state) {
    const auto e = tokenizer().encode(text);
    tokens = e.size();
    benchmark::DoNotOptimize(e.ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeOneMegabyte)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
