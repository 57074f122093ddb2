// The server's parts without HTTP: batching across requests gives each request the rows an
// Encoder call on its inputs alone gives (same bits), the queue bound, dropped work, and the
// JSON/base64/metrics writers. tests/python/test_server*.py test the endpoints over HTTP.
#include "server/batcher.h"
#include "server/json_io.h"
#include "server/metrics.h"

#include <bertcpp/encoder.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace bertcpp::server {
namespace {

const Encoder& encoder() {
  static const Encoder e([] {
    EncoderOptions o;
    o.model_dir = BERTCPP_MODEL_DIR_FOR_TESTS;
    o.threads = 1;
    return o;
  }());
  return e;
}

std::shared_ptr<Job> job_of(const std::vector<TextInput>& texts) {
  auto job = std::make_shared<Job>();
  job->encodings = encoder().tokenize(texts);
  for (const auto& e : job->encodings) job->tokens += e.size();
  return job;
}

bool same_bits(const RowMatrix& a, const RowMatrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}

TEST(Batcher, RequestsBatchedTogetherGetTheirOwnRowsBitForBit) {
  Metrics metrics;
  Batcher batcher(encoder(), 16384, 64, metrics);
  const std::vector<std::vector<TextInput>> requests = {
      {{"I love data science", std::nullopt}},
      {{"a much longer text that has many more tokens than the others in this batch", std::nullopt}, {"b", std::nullopt}},
      {{"We went to the bank", std::string("and sat by the river")}},
      {{"", std::nullopt}, {"x y z", std::nullopt}, {"tokens", std::nullopt}}};
  std::vector<std::shared_ptr<Job>> jobs;
  std::vector<std::future<RowMatrix>> results;
  for (const auto& texts : requests) {
    jobs.push_back(job_of(texts));
    results.push_back(jobs.back()->result.get_future());
    ASSERT_TRUE(batcher.submit(jobs.back()));
  }
  for (size_t i = 0; i < requests.size(); ++i)
    EXPECT_TRUE(same_bits(results[i].get(), encoder().encode(requests[i]))) << "request " << i;
}

TEST(Batcher, FullQueueRefusesAndStopFinishesWhatIsQueued) {
  Metrics metrics;
  Batcher batcher(encoder(), 1, 2, metrics);  // a budget of 1 token: one request a batch
  std::vector<std::future<RowMatrix>> accepted;
  size_t refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto job = job_of({{"some words to keep the model busy for a moment " + std::to_string(i), std::nullopt}});
    auto future = job->result.get_future();
    if (batcher.submit(job)) accepted.push_back(std::move(future));
    else ++refused;
  }
  batcher.stop();
  EXPECT_GT(refused, 0u);
  for (auto& f : accepted) EXPECT_EQ(f.get().rows(), 1);  // none lost on stop
  EXPECT_FALSE(batcher.submit(job_of({{"late", std::nullopt}})));
}

TEST(Batcher, AbandonedJobIsNotRun) {
  Metrics metrics;
  Batcher batcher(encoder(), 1, 64, metrics);
  std::vector<TextInput> many(400, {"a sentence long enough to take a little time to encode", std::nullopt});
  auto busy = job_of(many);
  auto gone = job_of({{"nobody waits for me", std::nullopt}});
  gone->abandoned = true;
  auto busy_result = busy->result.get_future();
  auto gone_result = gone->result.get_future();
  ASSERT_TRUE(batcher.submit(busy));
  ASSERT_TRUE(batcher.submit(gone));
  EXPECT_THROW(gone_result.get(), Cancelled);
  EXPECT_EQ(busy_result.get().rows(), 400);
  EXPECT_NE(metrics.render().find("bertcpp_abandoned_total 1\n"), std::string::npos);
}

TEST(JsonIo, FloatsParseBackToTheSameBits) {
  const float values[] = {0.1f, -1.0f / 3.0f, 1e-30f, 3.4028235e38f, 0.0f, -0.0f, 1.17549435e-38f, 123456.789f};
  std::string out;
  append_floats(out, values, 8);
  const nlohmann::json parsed = nlohmann::json::parse(out);
  ASSERT_EQ(parsed.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    const float back = static_cast<float>(parsed[i].get<double>());
    EXPECT_EQ(std::memcmp(&back, &values[i], sizeof(float)), 0) << out;
  }
}

TEST(JsonIo, Base64IsLittleEndianFloat32) {
  const float one = 1.0f;  // 00 00 80 3f
  EXPECT_EQ(base64_floats(&one, 1), "AACAPw==");
  const float two[] = {1.0f, -2.0f};  // 00 00 80 3f 00 00 00 c0
  EXPECT_EQ(base64_floats(two, 2), "AACAPwAAAMA=");
  const float three[] = {0.0f, 0.0f, 0.0f};
  EXPECT_EQ(base64_floats(three, 3), "AAAAAAAAAAAAAAAA");
}

TEST(JsonIo, BadBodiesNameTheProblem) {
  auto status_and_message = [](const std::string& body) -> std::pair<int, std::string> {
    try {
      parse_object(body);
    } catch (const HttpError& e) {
      return {e.status, e.what()};
    }
    return {0, ""};
  };
  EXPECT_EQ(status_and_message("{\"a\": \"\xff\"}").first, 400);
  EXPECT_NE(status_and_message("{\"a\": \"\xff\"}").second.find("UTF-8"), std::string::npos);
  EXPECT_NE(status_and_message("[1]").second.find("must be a JSON object, got array"), std::string::npos);
  EXPECT_NE(status_and_message("{").second.find("not valid JSON"), std::string::npos);
  // A number too large for a double (fuzz/regressions/server_number_overflow.json) was
  // nlohmann's out_of_range, a 500; and nesting is bounded as it is read.
  EXPECT_EQ(status_and_message("1e12720366854").first, 400);
  EXPECT_EQ(status_and_message("{\"a\": [1e999]}").first, 400);
  auto lists_in_lists = [](int n) { return "{\"a\": " + std::string(n, '[') + std::string(n, ']') + "}"; };
  EXPECT_EQ(status_and_message(lists_in_lists(kMaxJsonDepth)).first, 0);  // 64 levels below the object: fine
  EXPECT_EQ(status_and_message(lists_in_lists(kMaxJsonDepth + 1)).first, 400);
  EXPECT_NE(status_and_message(lists_in_lists(kMaxJsonDepth + 1)).second.find("deeper than 64"), std::string::npos);
  const auto body = nlohmann::json::parse(R"({"n": "3", "b": 1})");
  EXPECT_THROW(get_int(body, "n", 0), HttpError);
  EXPECT_THROW(get_bool(body, "b", false), HttpError);
  EXPECT_EQ(get_int(body, "missing", 7), 7);
  // An error quoting invalid UTF-8 is still valid JSON.
  EXPECT_NO_THROW(nlohmann::json::parse(error_body(400, "bad \xff byte")));
}

TEST(Metrics, PrometheusText) {
  Metrics m;
  m.request("/encode", 200, 0.003);
  m.request("/encode", 200, 0.2);
  m.request("/embed", 400, 0.001);
  m.batch(3, 40, 0.01);
  m.tokens(40);
  const std::string text = m.render();
  EXPECT_NE(text.find("bertcpp_requests_total{endpoint=\"/encode\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("bertcpp_requests_total{endpoint=\"/embed\",status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("bertcpp_tokens_total 40\n"), std::string::npos);
  // cumulative buckets: 1 request <= 0.005 s, 2 <= 0.25 s, 3 in all
  EXPECT_NE(text.find("bertcpp_request_duration_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("bertcpp_request_duration_seconds_bucket{le=\"0.25\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("bertcpp_request_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE bertcpp_batch_tokens histogram\n"), std::string::npos);
}

}  // namespace
}  // namespace bertcpp::server
