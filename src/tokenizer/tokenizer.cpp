#include <bertcpp/tokenizer/tokenizer.h>
#include <bertcpp/tokenizer/truncation.h>
#include <bertcpp/tokenizer/utf8.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace bertcpp {
namespace {

NormalizerOptions normalizer_options(const TokenizerOptions& o) {
  NormalizerOptions n;
  n.clean_text = o.clean_text;
  n.handle_chinese_chars = o.tokenize_chinese_chars;
  n.strip_accents = o.strip_accents.value_or(o.lowercase);  // HF: None follows lowercase
  n.lowercase = o.lowercase;
  return n;
}

void require_specials(const Vocab& vocab) {
  for (const char* name : {"[CLS]", "[SEP]"})
    if (!vocab.find(name))
      throw std::runtime_error("vocab " + vocab.source() + ": has no " + name + " token");
}

// Per-thread buffers: after the first texts, tokenizing allocates only the results.
struct Workspace {
  std::vector<char32_t> text;
  std::vector<RawSegment> segments;
  std::vector<NormalizedChar> normalized, scratch;
  std::vector<WordSpan> words;
  std::vector<WordPieceToken> pieces;
  std::string bytes;
  std::vector<uint32_t> char_offsets;
};

}  // namespace

Tokenizer::Tokenizer(const std::string& vocab_file, TokenizerOptions options)
    : Tokenizer(Vocab::from_file(vocab_file), options) {}

Tokenizer::Tokenizer(Vocab vocab, TokenizerOptions options)
    : vocab_((require_specials(vocab), std::move(vocab))),
      options_(options),
      normalizer_(normalizer_options(options)),
      specials_(vocab_),
      wordpiece_(vocab_, options.max_input_chars_per_word) {}

void Tokenizer::tokenize_ids(std::string_view text, std::vector<int32_t>& ids,
                             std::vector<std::pair<size_t, size_t>>& offsets) const {
  thread_local Workspace ws;
  ids.clear();
  offsets.clear();
  utf8::decode(text, ws.text);
  if (ws.text.size() >= UINT32_MAX) throw std::invalid_argument("text: more than 2^32-1 code points");
  const auto n = static_cast<uint32_t>(ws.text.size());
  specials_.split(ws.text.data(), n, ws.segments);
  for (const RawSegment& seg : ws.segments) {
    if (seg.special_id >= 0) {
      ids.push_back(seg.special_id);
      offsets.emplace_back(seg.first, seg.last);
      continue;
    }
    // Normalize one segment at a time: memory stays proportional to the text, and no NFD
    // reordering can cross a special token (HF normalizes each split on its own too).
    ws.normalized.clear();
    normalizer_.normalize(ws.text.data(), seg.first, seg.last, ws.normalized, ws.scratch);
    ws.words.clear();
    split_words(ws.normalized, 0, static_cast<uint32_t>(ws.normalized.size()), ws.words);
    for (const WordSpan& w : ws.words) {
      const NormalizedChar* chars = ws.normalized.data() + w.first;
      ws.pieces.clear();
      wordpiece_.tokenize(vocab_, chars, w.last - w.first, ws.pieces, ws.bytes, ws.char_offsets);
      for (const WordPieceToken& p : ws.pieces) {
        ids.push_back(p.id);
        // HF maps a piece back through its first and last normalized characters.
        offsets.emplace_back(chars[p.first].source, chars[p.last - 1].source + 1);
      }
    }
  }
}

Encoding Tokenizer::assemble(const std::vector<int32_t>& ids_a, const std::vector<std::pair<size_t, size_t>>& offsets_a,
                             const std::vector<int32_t>* ids_b,
                             const std::vector<std::pair<size_t, size_t>>* offsets_b,
                             std::optional<size_t> max_length) const {
  const size_t specials = ids_b ? 3 : 2;
  size_t keep_a = ids_a.size(), keep_b = ids_b ? ids_b->size() : 0;
  if (max_length) {
    if (*max_length < specials)
      throw std::invalid_argument("max_length: " + std::to_string(*max_length) + " cannot hold the " +
                                  std::to_string(specials) + " special tokens");
    const size_t budget = *max_length - specials;
    if (ids_b) std::tie(keep_a, keep_b) = truncated_pair_lengths(keep_a, keep_b, budget);
    else keep_a = truncated_length(keep_a, budget);
  }
  Encoding e;
  const size_t total = keep_a + keep_b + specials;
  e.ids.reserve(total);
  e.type_ids.reserve(total);
  e.offsets.reserve(total);
  auto add = [&](int32_t id, int32_t type, std::pair<size_t, size_t> offset) {
    e.ids.push_back(id);
    e.type_ids.push_back(type);
    e.offsets.push_back(offset);
  };
  const int32_t cls = vocab_.cls_id(), sep = vocab_.sep_id();
  add(cls, 0, {0, 0});
  for (size_t i = 0; i < keep_a; ++i) add(ids_a[i], 0, offsets_a[i]);
  add(sep, 0, {0, 0});
  if (ids_b) {
    for (size_t i = 0; i < keep_b; ++i) add((*ids_b)[i], 1, (*offsets_b)[i]);
    add(sep, 1, {0, 0});
  }
  e.attention_mask.assign(e.ids.size(), 1);
  e.tokens.reserve(e.ids.size());
  for (int32_t id : e.ids) e.tokens.push_back(vocab_.token(id));
  return e;
}

Encoding Tokenizer::encode(std::string_view text, std::optional<size_t> max_length) const {
  std::vector<int32_t> ids;
  std::vector<std::pair<size_t, size_t>> offsets;
  tokenize_ids(text, ids, offsets);
  return assemble(ids, offsets, nullptr, nullptr, max_length);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, std::optional<size_t> max_length) const {
  std::vector<int32_t> ids_a, ids_b;
  std::vector<std::pair<size_t, size_t>> offsets_a, offsets_b;
  tokenize_ids(a, ids_a, offsets_a);
  tokenize_ids(b, ids_b, offsets_b);
  return assemble(ids_a, offsets_a, &ids_b, &offsets_b, max_length);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<TextInput>& inputs, std::optional<size_t> max_length,
                                              size_t threads) const {
  std::vector<Encoding> results(inputs.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, inputs.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      // Small chunks from a shared counter: texts differ a lot in length, so static shares would idle.
      constexpr size_t kChunk = 16;
      for (size_t begin = next.fetch_add(kChunk); begin < inputs.size(); begin = next.fetch_add(kChunk)) {
        const size_t end = std::min(begin + kChunk, inputs.size());
        for (size_t i = begin; i < end; ++i) {
          const TextInput& in = inputs[i];
          results[i] = in.b ? encode_pair(in.a, *in.b, max_length) : encode(in.a, max_length);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = inputs.size();
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  return results;
}

Encoding Tokenizer::encode_tokens(const std::vector<std::string>& tokens_a, const std::vector<std::string>* tokens_b,
                                  std::optional<size_t> max_length) const {
  auto lookup = [&](const std::vector<std::string>& tokens, std::vector<int32_t>& ids,
                    std::vector<std::pair<size_t, size_t>>& offsets) {
    ids.reserve(tokens.size());
    offsets.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      ids.push_back(vocab_.id_or_unk(tokens[i]));
      offsets.emplace_back(i, i + 1);
    }
  };
  std::vector<int32_t> ids_a, ids_b;
  std::vector<std::pair<size_t, size_t>> offsets_a, offsets_b;
  lookup(tokens_a, ids_a, offsets_a);
  if (!tokens_b) return assemble(ids_a, offsets_a, nullptr, nullptr, max_length);
  lookup(*tokens_b, ids_b, offsets_b);
  return assemble(ids_a, offsets_a, &ids_b, &offsets_b, max_length);
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  std::vector<int32_t> ids;
  std::vector<std::pair<size_t, size_t>> offsets;
  tokenize_ids(text, ids, offsets);
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) tokens.push_back(vocab_.token(id));
  return tokens;
}

}  // namespace bertcpp
