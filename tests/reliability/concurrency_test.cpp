// One Encoder (and one Tokenizer) shared by 8 threads at once must give exactly what serial
// calls give: bit-identical vectors and encodings, whatever the interleaving.
#include <bertcpp/detail/all.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 8;

std::vector<bertcpp::TextInput> sample_inputs(int variant) {
  std::vector<bertcpp::TextInput> inputs = {
      {"I love data science", std::nullopt},
      {"He went to the bank to deposit a cheque.", std::string("The river bank was muddy.")},
      {"Ünïcödé naïve café — 東京 and ½ of 𝒳", std::nullopt},
      {std::string(300, 'a') + " long token and more words to fill the sequence", std::nullopt},
  };
  // Each thread also brings its own texts, so batches differ in length and composition.
  for (int i = 0; i <= variant; ++i) inputs.push_back({"thread " + std::to_string(variant) + " sentence " + std::to_string(i), std::nullopt});
  return inputs;
}

bool bit_identical(const bertcpp::RowMatrix& a, const bertcpp::RowMatrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}

// Runs body(thread index) on kThreads threads released together, to maximise overlap.
template <typename Body>
void run_together(Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      body(t);
    });
  }
  for (auto& th : threads) th.join();
}

void expect_threads_match_serial(const bertcpp::Encoder& encoder) {
  std::vector<bertcpp::RowMatrix> serial(kThreads);
  for (int t = 0; t < kThreads; ++t) serial[t] = encoder.encode(sample_inputs(t));

  for (int round = 0; round < 2; ++round) {
    std::vector<bertcpp::RowMatrix> parallel(kThreads);
    std::vector<std::string> errors(kThreads);
    run_together([&](int t) {
      try {
        parallel[t] = encoder.encode(sample_inputs(t));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_EQ(errors[t], "") << "thread " << t;
      EXPECT_TRUE(bit_identical(parallel[t], serial[t])) << "thread " << t << ", round " << round;
    }
  }
}

TEST(Concurrency, OneEncoderFromEightThreadsIsBitIdenticalToSerial) {
  bertcpp::Encoder encoder;  // threads = 0: each call also fans out over all cores
  expect_threads_match_serial(encoder);
}

TEST(Concurrency, SingleThreadedEncoderCallsFromEightThreads) {
  bertcpp::EncoderOptions options;
  options.threads = 1;
  options.batch_size = 2;
  options.pooling = bertcpp::PoolingStrategy::ReduceMeanMax;
  options.pooling_layers = std::vector<int>{-1, -4};
  bertcpp::Encoder encoder(options);
  expect_threads_match_serial(encoder);
}

TEST(Concurrency, EncodersSharingOneModelAndTokenizer) {
  bertcpp::Encoder base;
  bertcpp::EncoderOptions options;
  options.pooling = bertcpp::PoolingStrategy::ClsPooled;
  options.normalize = true;
  bertcpp::Encoder other(base.model_ptr(), base.tokenizer_ptr(), options);
  std::vector<bertcpp::RowMatrix> serial_base(kThreads), serial_other(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    serial_base[t] = base.encode(sample_inputs(t));
    serial_other[t] = other.encode(sample_inputs(t));
  }
  std::vector<bertcpp::RowMatrix> got(kThreads);
  run_together([&](int t) { got[t] = (t % 2 ? other : base).encode(sample_inputs(t)); });
  for (int t = 0; t < kThreads; ++t)
    EXPECT_TRUE(bit_identical(got[t], t % 2 ? serial_other[t] : serial_base[t])) << "thread " << t;
}

TEST(Concurrency, OneTokenizerFromEightThreads) {
  bertcpp::Tokenizer tokenizer(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt");
  std::vector<bertcpp::TextInput> inputs;
  for (int i = 0; i < 200; ++i)
    inputs.push_back({"Sentence number " + std::to_string(i) + ", with ünïcödé and 東京 " + std::string(i % 13, '!'),
                      i % 3 ? std::nullopt : std::optional<std::string>("second text " + std::to_string(i))});
  const std::vector<bertcpp::Encoding> serial = tokenizer.encode_batch(inputs, 24, 1);
  std::vector<std::vector<bertcpp::Encoding>> got(kThreads);
  run_together([&](int t) { got[t] = tokenizer.encode_batch(inputs, 24, t % 3); });
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), serial.size());
    for (size_t i = 0; i < serial.size(); ++i) {
      EXPECT_EQ(got[t][i].ids, serial[i].ids) << "thread " << t << " input " << i;
      EXPECT_EQ(got[t][i].offsets, serial[i].offsets) << "thread " << t << " input " << i;
    }
  }
}

TEST(Concurrency, ModelForwardFromEightThreads) {
  const bertcpp::Encoder encoder;
  const bertcpp::BertModel& model = encoder.model();
  const auto encodings = encoder.tokenize(sample_inputs(3));
  const bertcpp::TokenBatch batch = bertcpp::TokenBatch::from_encodings(encodings);
  // The thread count decides how sequences are grouped into matrix products, and Eigen's
  // blocking follows the product's size: so compare each call with a serial call that used
  // the same `threads`, bit for bit, and the two thread counts with each other only closely.
  std::vector<bertcpp::ForwardOutput> serial;
  for (int threads : {1, 2}) {
    bertcpp::ForwardOptions o;
    o.compute_pooler = true;
    o.threads = threads;
    serial.push_back(model.forward(batch, o));
  }
  EXPECT_TRUE(serial[0].hidden_states.back().isApprox(serial[1].hidden_states.back(), 1e-5f));
  std::vector<bertcpp::ForwardOutput> got(kThreads);
  run_together([&](int t) {
    bertcpp::ForwardOptions o;
    o.compute_pooler = true;
    o.threads = 1 + t % 2;
    got[t] = model.forward(batch, o);
  });
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(bit_identical(got[t].hidden_states.back(), serial[t % 2].hidden_states.back())) << "thread " << t;
    EXPECT_TRUE(bit_identical(got[t].pooler_output, serial[t % 2].pooler_output)) << "thread " << t;
  }
}

}  // namespace
