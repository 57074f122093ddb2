#include <bertcpp/tokenizer/tokenizer.h>
#include <bertcpp/detail/tokenizer/normalizer.h>
#include <bertcpp/detail/tokenizer/pre_tokenizer.h>
#include <bertcpp/detail/tokenizer/truncation.h>
#include <bertcpp/detail/tokenizer/unicode.h>
#include <bertcpp/detail/tokenizer/utf8.h>
#include <bertcpp/detail/tokenizer/wordpiece.h>

#include "runtime/parallel.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
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

// Per-thread buffers: after the first texts, tokenizing allocates only the results. They
// hold one chunk of text (see chunk_end), and are given back after an unusually large one.
struct Workspace {
  std::vector<char32_t> text;
  std::vector<RawSegment> segments;
  std::vector<NormalizedChar> normalized, scratch;
  std::vector<WordSpan> words;
  std::vector<WordPieceToken> pieces;
  std::string bytes;
  std::vector<uint32_t> char_offsets;

  void release_if_large() {
    constexpr size_t kKeepBytes = size_t{8} << 20;
    const size_t held = text.capacity() * sizeof(char32_t) +
                        (normalized.capacity() + scratch.capacity()) * sizeof(NormalizedChar);
    if (held > kKeepBytes) *this = Workspace();
  }
};

// A text is tokenized a chunk at a time, so that memory follows the chunk, truncation can stop
// early and cancellation is polled. A chunk ends just after a character that cannot change
// the tokens around it: a word boundary of its own (whitespace, punctuation, and with
// handle_chinese_chars a CJK ideograph), that normalization leaves as it is (no lowercase, no
// decomposition: it is still a boundary after it), a starter (no combining mark reorders
// across it), never inside a special token like [SEP] (those are ASCII, and ASCII cuts are
// only whitespace and sentence punctuation) and never inside a UTF-8 sequence. Scripts
// written without spaces (Chinese, Japanese) cut at their ideographs and their punctuation.
constexpr size_t kChunkBytes = size_t{1} << 16;

bool is_cut_byte(char c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\r': case '.': case ',': case ';': case '!': case '?':
      return true;
    default:
      return false;
  }
}

bool is_cut_character(char32_t c, bool cjk_words) {
  const uint8_t f = unicode::flags(c);
  const uint8_t boundary = unicode::kSplitWhitespace | unicode::kPunctuation | (cjk_words ? unicode::kChinese : 0);
  const uint8_t changed = unicode::kRemoved | unicode::kHasLowercase | unicode::kHasDecomposition;
  return (f & boundary) != 0 && (f & changed) == 0 && unicode::combining_rank(c) == 0;
}

size_t chunk_end(std::string_view text, size_t begin, bool cjk_words) {
  if (text.size() - begin <= kChunkBytes) return text.size();
  for (size_t i = begin + kChunkBytes; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      if (is_cut_byte(text[i])) return i + 1;
      ++i;
      continue;
    }
    char32_t c;
    const size_t len = utf8::decode_one(text, i, c);
    if (len == 0) {  // a continuation byte (the scan may start mid-sequence) or a bad byte
      ++i;
      continue;
    }
    if (is_cut_character(c, cjk_words)) return i + len;
    i += len;
  }
  return text.size();  // one word of more than 64 KB: it is tokenized whole
}

// What truncation may keep of a text: max_length less the special tokens; no limit without one.
size_t budget_of(std::optional<size_t> max_length, size_t specials) {
  if (!max_length) return std::numeric_limits<size_t>::max();
  if (*max_length < specials)
    throw std::invalid_argument("max_length: " + std::to_string(*max_length) + " cannot hold the " +
                                std::to_string(specials) + " special tokens");
  return *max_length - specials;
}

}  // namespace

// The tokens of one text: the first `keep` ids (and offsets) stored, all of them counted.
struct Tokenizer::Pieces {
  std::vector<int32_t> ids;
  std::vector<std::pair<size_t, size_t>> offsets;
  bool with_offsets = true;
  size_t count = 0;
};

// Cancellation of one call: any thread may see `stopped`; only the calling thread polls the
// caller's keep_going (a Python callback must run on the thread that called).
struct Tokenizer::Stop {
  std::atomic<bool> stopped{false};
  const std::function<bool()>* keep_going = nullptr;
  std::thread::id owner = std::this_thread::get_id();
  std::chrono::steady_clock::time_point next_poll{};

  bool should_stop() {
    if (stopped.load(std::memory_order_relaxed)) return true;
    if (!keep_going || std::this_thread::get_id() != owner) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_poll) return false;
    next_poll = now + std::chrono::milliseconds(20);
    if (!(*keep_going)()) stopped = true;
    return stopped.load();
  }
};

Tokenizer::Tokenizer(const std::string& vocab_file, TokenizerOptions options)
    : Tokenizer(Vocab::from_file(vocab_file), options) {}

// Kept out of tokenizer.h, so that the installed header shows no tokenizer internals.
struct Tokenizer::Stages {
  Stages(const Vocab& vocab, const TokenizerOptions& options)
      : normalizer(normalizer_options(options)), specials(vocab), wordpiece(vocab, options.max_input_chars_per_word) {}
  Normalizer normalizer;
  SpecialTokenMatcher specials;
  WordPiece wordpiece;
};

Tokenizer::Tokenizer(Vocab vocab, TokenizerOptions options)
    : vocab_((require_specials(vocab), std::move(vocab))),
      options_(options),
      stages_(std::make_shared<const Stages>(vocab_, options)) {}

// Stores the first `keep` tokens of text in out and counts them; without count_all it stops
// once `keep` are stored (what truncation keeps of a single text is known by then).
void Tokenizer::tokenize_ids(std::string_view text, size_t keep, bool count_all, Pieces& out, Stop* stop) const {
  thread_local Workspace ws;
  out.ids.clear();
  out.offsets.clear();
  out.count = 0;
  auto add = [&](int32_t id, size_t start, size_t end) {
    if (out.count++ >= keep) return;
    out.ids.push_back(id);
    if (out.with_offsets) out.offsets.emplace_back(start, end);
  };
  size_t base = 0;  // code points of the chunks before this one
  for (size_t begin = 0; begin < text.size();) {
    if (!count_all && out.count >= keep) break;
    if (stop && stop->should_stop()) throw Cancelled();
    const size_t end = chunk_end(text, begin, options_.tokenize_chinese_chars);
    utf8::decode(text.substr(begin, end - begin), ws.text);
    begin = end;
    if (ws.text.size() >= UINT32_MAX) throw std::invalid_argument("text: a word of more than 2^32-1 code points");
    const auto n = static_cast<uint32_t>(ws.text.size());
    stages_->specials.split(ws.text.data(), n, ws.segments);
    for (const RawSegment& seg : ws.segments) {
      if (seg.special_id >= 0) {
        add(seg.special_id, base + seg.first, base + seg.last);
        continue;
      }
      // Normalize one segment at a time: no NFD reordering can cross a special token (HF
      // normalizes each split on its own too).
      ws.normalized.clear();
      stages_->normalizer.normalize(ws.text.data(), seg.first, seg.last, ws.normalized, ws.scratch);
      ws.words.clear();
      split_words(ws.normalized, 0, static_cast<uint32_t>(ws.normalized.size()), ws.words);
      for (const WordSpan& w : ws.words) {
        const NormalizedChar* chars = ws.normalized.data() + w.first;
        ws.pieces.clear();
        stages_->wordpiece.tokenize(vocab_, chars, w.last - w.first, ws.pieces, ws.bytes, ws.char_offsets);
        // HF maps a piece back through its first and last normalized characters.
        for (const WordPieceToken& p : ws.pieces)
          add(p.id, base + chars[p.first].source, base + chars[p.last - 1].source + 1);
      }
    }
    base += n;
  }
  ws.release_if_large();
}

Encoding Tokenizer::assemble(const Pieces& a, const Pieces* b, std::optional<size_t> max_length,
                             bool ids_only) const {
  const size_t specials = b ? 3 : 2;
  size_t keep_a = a.count, keep_b = b ? b->count : 0;
  if (max_length) {
    const size_t budget = budget_of(max_length, specials);
    if (b) std::tie(keep_a, keep_b) = truncated_pair_lengths(keep_a, keep_b, budget);
    else keep_a = truncated_length(keep_a, budget);
  }
  Encoding e;
  const size_t total = keep_a + keep_b + specials;
  e.ids.reserve(total);
  e.type_ids.reserve(total);
  if (!ids_only) e.offsets.reserve(total);
  auto add = [&](int32_t id, int32_t type, std::pair<size_t, size_t> offset) {
    e.ids.push_back(id);
    e.type_ids.push_back(type);
    if (!ids_only) e.offsets.push_back(offset);
  };
  const std::pair<size_t, size_t> none{0, 0};
  const int32_t cls = vocab_.cls_id(), sep = vocab_.sep_id();
  add(cls, 0, none);
  for (size_t i = 0; i < keep_a; ++i) add(a.ids[i], 0, ids_only ? none : a.offsets[i]);
  add(sep, 0, none);
  if (b) {
    for (size_t i = 0; i < keep_b; ++i) add(b->ids[i], 1, ids_only ? none : b->offsets[i]);
    add(sep, 1, none);
  }
  if (ids_only) return e;
  e.attention_mask.assign(e.ids.size(), 1);
  e.tokens.reserve(e.ids.size());
  for (int32_t id : e.ids) e.tokens.push_back(vocab_.token(id));
  return e;
}

Encoding Tokenizer::encode_one(std::string_view a, const std::string_view* b, std::optional<size_t> max_length,
                               bool ids_only, Stop* stop) const {
  const size_t budget = budget_of(max_length, b ? 3 : 2);
  Pieces pa, pb;
  pa.with_offsets = pb.with_offsets = !ids_only;
  if (!b) {
    tokenize_ids(a, budget, false, pa, stop);
    return assemble(pa, nullptr, max_length, ids_only);
  }
  // longest_first truncation depends on which text is longer: count both in full, store
  // only what either could keep.
  tokenize_ids(a, budget, max_length.has_value(), pa, stop);
  tokenize_ids(*b, budget, max_length.has_value(), pb, stop);
  return assemble(pa, &pb, max_length, ids_only);
}

Encoding Tokenizer::encode(std::string_view text, std::optional<size_t> max_length) const {
  return encode_one(text, nullptr, max_length, false, nullptr);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, std::optional<size_t> max_length) const {
  return encode_one(a, &b, max_length, false, nullptr);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<TextInput>& inputs, std::optional<size_t> max_length,
                                              size_t threads) const {
  BatchOptions options;
  options.max_length = max_length;
  options.threads = threads;
  return encode_batch(inputs, options);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<TextInput>& inputs, const BatchOptions& options) const {
  if (options.threads > kMaxThreads)
    throw std::invalid_argument("threads = " + std::to_string(options.threads) + " is more than the limit of " +
                                std::to_string(kMaxThreads) + " (0 uses all cores)");
  std::vector<Encoding> results(inputs.size());
  // The library's one thread policy (0: every core this process may use) and its pool.
  const int team = static_cast<int>(std::min<size_t>(
      static_cast<size_t>(runtime::resolve_threads(static_cast<int>(options.threads))), inputs.size()));
  Stop stop;
  if (options.keep_going) stop.keep_going = &options.keep_going;
  std::atomic<size_t> next{0}, started{0}, finished{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  // One pool index per team member, each pulling small chunks from a shared counter: texts
  // differ a lot in length, so static shares would idle.
  auto work = [&](size_t, int worker) {
    ++started;
    size_t i = 0;
    try {
      constexpr size_t kChunk = 16;
      for (size_t begin = next.fetch_add(kChunk); begin < inputs.size(); begin = next.fetch_add(kChunk)) {
        const size_t end = std::min(begin + kChunk, inputs.size());
        for (i = begin; i < end; ++i) {
          if (stop.should_stop()) throw Cancelled();
          const TextInput& in = inputs[i];
          const std::string_view b = in.b ? std::string_view(*in.b) : std::string_view();
          results[i] = encode_one(in.a, in.b ? &b : nullptr, options.max_length, options.ids_only, &stop);
        }
      }
    } catch (const std::invalid_argument& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) {
        error = dynamic_cast<const InputError*>(&e) ? std::current_exception()
                                                    : std::make_exception_ptr(InputError(i, std::string("cannot be encoded: ") + e.what()));
      }
      stop.stopped = true;
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      stop.stopped = true;
    }
    ++finished;
    // The caller (worker 0) keeps polling keep_going while the others finish their texts, so
    // Ctrl-C stops a long text mid-way. A member that starts after this sees no text left.
    while (worker == 0 && stop.keep_going && finished.load() < started.load()) {
      stop.should_stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  // A busy pool (another call's, or this one nested in a pool task) runs every index here: same
  // results. Threads the system refuses to start leave the work to those that did start.
  runtime::parallel_for(static_cast<size_t>(std::max(team, 1)), team, work);
  if (error) std::rethrow_exception(error);
  if (stop.stopped) throw Cancelled();
  return results;
}

Encoding Tokenizer::encode_tokens(const std::vector<std::string>& tokens_a, const std::vector<std::string>* tokens_b,
                                  std::optional<size_t> max_length) const {
  budget_of(max_length, tokens_b ? 3 : 2);
  auto lookup = [&](const std::vector<std::string>& tokens, Pieces& out) {
    out.ids.reserve(tokens.size());
    out.offsets.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      out.ids.push_back(vocab_.id_or_unk(tokens[i]));
      out.offsets.emplace_back(i, i + 1);
    }
    out.count = tokens.size();
  };
  Pieces a, b;
  lookup(tokens_a, a);
  if (!tokens_b) return assemble(a, nullptr, max_length, false);
  lookup(*tokens_b, b);
  return assemble(a, &b, max_length, false);
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  Pieces pieces;
  pieces.with_offsets = false;
  tokenize_ids(text, std::numeric_limits<size_t>::max(), false, pieces, nullptr);
  std::vector<std::string> tokens;
  tokens.reserve(pieces.ids.size());
  for (int32_t id : pieces.ids) tokens.push_back(vocab_.token(id));
  return tokens;
}

}  // namespace bertcpp
