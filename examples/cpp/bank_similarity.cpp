// The article's "bank" example: BERT gives "bank" a different vector in each context, so
// the river-bank sentences and the money-bank sentences are compared by more than the
// shared word. Prints the cosine similarity of every pair (the small bundled model separates
// the senses only weakly; a BERT-base checkpoint passed as model_dir does better).
//
//   bank_similarity [model_dir]      (default: the bundled bert-mini-uncased)
#include <bertcpp/bertcpp.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) try {
  bertcpp::EncoderOptions options;
  if (argc > 1) options.model_dir = argv[1];
  options.normalize = true;  // unit vectors: a dot product is the cosine similarity
  const bertcpp::Encoder encoder(options);

  const std::vector<std::string> sentences = {
      "I went to the bank to deposit my paycheck.",
      "We sat on the river bank and watched the water.",
      "The bank approved my loan application.",
      "Fish swam near the muddy bank of the stream.",
      "I love data science.",
  };
  std::vector<bertcpp::TextInput> inputs;
  for (const auto& s : sentences) inputs.push_back({s});
  const bertcpp::RowMatrix v = encoder.encode(inputs);

  std::printf("model: %s\n", encoder.options().model_dir.c_str());
  std::printf("%zu sentences, %ld-dimensional vectors (REDUCE_MEAN, layer -2)\n\n", sentences.size(),
              static_cast<long>(v.cols()));
  for (size_t i = 0; i < sentences.size(); ++i) std::printf("[%zu] %s\n", i, sentences[i].c_str());
  std::printf("\ncosine similarity\n     ");
  for (size_t j = 0; j < sentences.size(); ++j) std::printf("  [%zu] ", j);
  std::printf("\n");
  for (Eigen::Index i = 0; i < v.rows(); ++i) {
    std::printf("[%ld] ", static_cast<long>(i));
    for (Eigen::Index j = 0; j < v.rows(); ++j) std::printf(" %.3f", v.row(i).dot(v.row(j)));
    std::printf("\n");
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bank_similarity: %s\n", e.what());
  return 1;
}
