// Bad inputs and the exact error each must produce, one table row each (sentencepiece style).
//
// In `expected`, {dir} stands for the row's scratch directory; a trailing "..." means the rest of
// the message (e.g. nlohmann-json's own wording) is not pinned. Every message names the file,
// the tensor or the field, and says what was expected.
#include "reliability_support.h"

#include <bertcpp/detail/all.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

using bertcpp::testing::floats;
using bertcpp::testing::safetensors;
using bertcpp::testing::ScratchDir;
using bertcpp::testing::write_file;

enum class Kind { RuntimeError, InvalidArgument };

struct BadInput {
  const char* name;
  std::function<void(const ScratchDir&)> run;  // writes the input and calls the API
  Kind kind;
  std::string expected;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

const std::string kConfig =
    R"({"vocab_size": 100, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16)";

void config(const ScratchDir& d, const std::string& text) {
  write_file(d.file("config.json"), text);
  bertcpp::BertConfig::from_json_file(d.file("config.json"));
}
void vocab(const ScratchDir& d, const std::string& text) {
  write_file(d.file("vocab.txt"), text);
  bertcpp::Tokenizer tokenizer(d.file("vocab.txt"));
}
void st(const ScratchDir& d, const std::string& bytes) {
  write_file(d.file("model.safetensors"), bytes);
  bertcpp::load_safetensors(d.file("model.safetensors"));
}
void st_header(const ScratchDir& d, const std::string& header, const std::string& data = floats({1, 2})) {
  st(d, safetensors(header, data));
}
void tf(const ScratchDir& d, const std::function<void(bertcpp::testing::TfBundle&)>& damage) {
  auto bundle = bertcpp::testing::small_tf_bundle();
  damage(bundle);
  bertcpp::testing::write_tf_bundle(d.file("bert_model.ckpt"), bundle);
  bertcpp::load_tf_checkpoint(d.file("bert_model.ckpt"));
}
void bin(const ScratchDir& d, const std::function<void(std::string&)>& damage) {
  std::string bytes = bertcpp::testing::fuzz_seed("pytorch_bin_fuzzer", "two_tensors");
  damage(bytes);
  write_file(d.file("pytorch_model.bin"), bytes);
  bertcpp::load_pytorch_bin(d.file("pytorch_model.bin"));
}

// A sentence-transformers folder on the bundled model with `modules` as modules.json and a
// mean-pooling 1_Pooling/config.json, then loaded by an Encoder.
void st_folder_with(const ScratchDir& d, const std::string& modules,
                    const std::vector<std::pair<std::string, std::string>>& files = {}) {
  const std::string src = BERTCPP_MODEL_DIR_FOR_TESTS;
  std::filesystem::create_symlink(src + "/model.safetensors", d.file("model.safetensors"));
  for (const char* f : {"config.json", "vocab.txt"}) std::filesystem::copy_file(src + "/" + f, d.file(f));
  std::filesystem::create_directories(d.file("1_Pooling"));
  write_file(d.file("1_Pooling/config.json"), R"({"word_embedding_dimension": 256, "pooling_mode_mean_tokens": true})");
  write_file(d.file("modules.json"), modules);
  for (const auto& [name, text] : files) {
    std::filesystem::create_directories(std::filesystem::path(d.file(name)).parent_path());
    write_file(d.file(name), text);
  }
  bertcpp::EncoderOptions options;
  options.model_dir = d.path();
  bertcpp::Encoder encoder(options);
}

// A standard BertTokenizerFast tokenizer.json for the vocabulary in `vocab_path`.
std::string tokenizer_json_of(const std::string& vocab_path) {
  nlohmann::json vocab = nlohmann::json::object();
  std::istringstream lines(bertcpp::testing::read_file(vocab_path));
  size_t id = 0;
  for (std::string line; std::getline(lines, line); ++id) vocab[line] = id;
  auto piece = [](const char* kind, const char* id, int type) {
    return nlohmann::json{{kind, {{"id", id}, {"type_id", type}}}};
  };
  return nlohmann::json{
      {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0)}},
        {"pair",
         {piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0),
          piece("Sequence", "B", 1), piece("SpecialToken", "[SEP]", 1)}}}},
      {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}}
      .dump();
}

const std::string kTransformerAndPooling =
    R"([{"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"})";

// A copy of the bundled model directory with one file replaced (weights symlinked, not copied).
void model_dir_with(const ScratchDir& d, const std::string& name, const std::string& contents) {
  const std::string src = BERTCPP_MODEL_DIR_FOR_TESTS;
  std::filesystem::create_symlink(src + "/model.safetensors", d.file("model.safetensors"));
  for (const char* f : {"config.json", "vocab.txt"})
    if (name != f) std::filesystem::copy_file(src + "/" + f, d.file(f));
  write_file(d.file(name), contents);
}

const bertcpp::Encoder& bundled_encoder() {
  static const bertcpp::Encoder encoder;
  return encoder;
}

const std::vector<BadInput>& table() {
  static const std::vector<BadInput> rows = {
      // ---- config.json ----
      {"config_not_json", [](auto& d) { config(d, "{"); }, Kind::RuntimeError,
       "{dir}/config.json: not valid JSON: [json.exception.parse_error.101] ..."},
      {"config_not_object", [](auto& d) { config(d, "[1]"); }, Kind::RuntimeError,
       "{dir}/config.json: expected a JSON object, got [1]"},
      {"config_missing_field", [](auto& d) { config(d, R"({"vocab_size": 100})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"hidden_size\" is missing (expected a positive integer)"},
      {"config_size_as_string", [](auto& d) { config(d, R"({"vocab_size": "100"})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"vocab_size\" must be a positive integer, got \"100\""},
      {"config_size_as_float", [](auto& d) { config(d, R"({"vocab_size": 100.0})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"vocab_size\" must be a positive integer, got 100.0"},
      {"config_size_negative", [](auto& d) { config(d, R"({"vocab_size": -5})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"vocab_size\" must be a positive integer, got -5"},
      {"config_size_beyond_int", [](auto& d) { config(d, R"({"vocab_size": 4294967296})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"vocab_size\" must be a positive integer, got 4294967296"},
      {"config_heads_do_not_divide", [](auto& d) { config(d, replace_all(kConfig, "\"num_attention_heads\": 2", "\"num_attention_heads\": 3") + "}"); },
       Kind::RuntimeError, "{dir}/config.json: field \"hidden_size\" (8) is not divisible by num_attention_heads (3)"},
      {"config_unknown_activation", [](auto& d) { config(d, kConfig + R"(, "hidden_act": "swish"})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"hidden_act\" \"swish\" is not supported (expected gelu, gelu_python, gelu_new, "
       "gelu_pytorch_tanh, gelu_fast or relu)"},
      {"config_relative_positions", [](auto& d) { config(d, kConfig + R"(, "position_embedding_type": "relative_key"})"); },
       Kind::RuntimeError,
       "{dir}/config.json: field \"position_embedding_type\" is \"relative_key\", only \"absolute\" is supported"},
      {"config_eps_negative", [](auto& d) { config(d, kConfig + R"(, "layer_norm_eps": -1e-12})"); }, Kind::RuntimeError,
       "{dir}/config.json: field \"layer_norm_eps\" must be a positive number, got -1e-12"},
      // Fuzz finding: 1e-300 is a positive double but 0 as a float, and LayerNorm divides by it.
      {"config_eps_underflows_float", [](auto& d) { config(d, kConfig + R"(, "layer_norm_eps": 1e-300})"); },
       Kind::RuntimeError,
       "{dir}/config.json: field \"layer_norm_eps\" must be a positive number a float can hold, got 1e-300"},
      {"config_eps_overflows_float", [](auto& d) { config(d, kConfig + R"(, "layer_norm_eps": 1e300})"); },
       Kind::RuntimeError,
       "{dir}/config.json: field \"layer_norm_eps\" must be a positive number a float can hold, got 1e+300"},
      // Fuzz finding: nlohmann-json reports this as out_of_range, which used to escape unnamed.
      {"config_number_overflow", [](auto& d) { config(d, R"({"vocab_size": 1e400})"); }, Kind::RuntimeError,
       "{dir}/config.json: not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e400'"},

      // ---- vocab.txt ----
      {"vocab_missing", [](auto& d) { bertcpp::Tokenizer t(d.file("vocab.txt")); }, Kind::RuntimeError,
       "vocab file {dir}/vocab.txt: cannot open"},
      {"vocab_empty", [](auto& d) { vocab(d, ""); }, Kind::RuntimeError,
       "vocab file {dir}/vocab.txt: empty, expected one token per line"},
      {"vocab_without_unk", [](auto& d) { vocab(d, "[CLS]\n[SEP]\na\n"); }, Kind::RuntimeError,
       "vocab {dir}/vocab.txt: has no [UNK] token"},
      {"vocab_without_cls", [](auto& d) { vocab(d, "[UNK]\n[SEP]\na\n"); }, Kind::RuntimeError,
       "vocab {dir}/vocab.txt: has no [CLS] token"},

      // ---- safetensors ----
      {"safetensors_missing", [](auto& d) { bertcpp::load_safetensors(d.file("model.safetensors")); }, Kind::RuntimeError,
       "{dir}/model.safetensors: cannot open: No such file or directory"},
      {"safetensors_too_short", [](auto& d) { st(d, "abc"); }, Kind::RuntimeError,
       "{dir}/model.safetensors: too short for a safetensors file (3 bytes, the header length alone is 8)"},
      {"safetensors_header_past_end", [](auto& d) { st(d, bertcpp::testing::u64_le(100) + "{}"); }, Kind::RuntimeError,
       "{dir}/model.safetensors: header length 100 is past the end of the file (10 bytes; truncated?)"},
      {"safetensors_header_too_large", [](auto& d) { st(d, bertcpp::testing::u64_le(uint64_t{1} << 40) + "{}"); },
       Kind::RuntimeError,
       "{dir}/model.safetensors: header length 1099511627776 exceeds the 100 MB limit (not safetensors, or corrupt)"},
      {"safetensors_header_not_json", [](auto& d) { st_header(d, "{\"a\":"); }, Kind::RuntimeError,
       "{dir}/model.safetensors: header is not valid JSON: [json.exception.parse_error.101] ..."},
      {"safetensors_header_not_object", [](auto& d) { st_header(d, "[]"); }, Kind::RuntimeError,
       "{dir}/model.safetensors: header is not a JSON object"},
      {"safetensors_unknown_dtype", [](auto& d) { st_header(d, R"({"w": {"dtype": "F31", "shape": [2], "data_offsets": [0, 8]}})"); },
       Kind::RuntimeError, "{dir}/model.safetensors: tensor \"w\": unknown dtype \"F31\""},
      {"safetensors_missing_shape", [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "data_offsets": [0, 8]}})"); },
       Kind::RuntimeError, "{dir}/model.safetensors: tensor \"w\": missing array field \"shape\""},
      {"safetensors_negative_dim", [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})"); },
       Kind::RuntimeError,
       "{dir}/model.safetensors: tensor \"w\": shape [-2] has a dimension that is not a non-negative integer"},
      {"safetensors_shape_overflow",
       [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}})"); },
       Kind::RuntimeError,
       "{dir}/model.safetensors: tensor \"w\": shape [4611686018427387904,4] overflows the addressable size"},
      {"safetensors_offsets_past_end", [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})"); },
       Kind::RuntimeError,
       "{dir}/model.safetensors: tensor \"w\": data_offsets end 16 is past the data area (8 bytes; file truncated?)"},
      {"safetensors_offsets_reversed", [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})"); },
       Kind::RuntimeError, "{dir}/model.safetensors: tensor \"w\": data_offsets [8, 0] end before begin"},
      {"safetensors_size_disagrees_with_shape",
       [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})"); }, Kind::RuntimeError,
       "{dir}/model.safetensors: tensor \"w\": data_offsets [0, 8] hold 8 bytes, expected 4 for F32 [1]"},
      {"safetensors_overlap",
       [](auto& d) {
         st_header(d, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})");
       },
       Kind::RuntimeError,
       "{dir}/model.safetensors: tensor \"b\": data_offsets [4, 8] overlap those of \"a\" [0, 8]"},
      {"safetensors_duplicate_name",
       [](auto& d) {
         st_header(d, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})");
       },
       Kind::RuntimeError, "{dir}/model.safetensors: tensor \"a\": appears twice in the header"},
      // Fuzz finding, as for config.json.
      {"safetensors_number_overflow", [](auto& d) { st_header(d, R"({"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 8]}})"); },
       Kind::RuntimeError,
       "{dir}/model.safetensors: header is not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e400'"},
      {"safetensors_int_tensor_as_float",
       [](auto& d) {
         write_file(d.file("m.safetensors"), safetensors(R"({"ids": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}})", floats({1, 2})));
         bertcpp::SafetensorsFile(d.file("m.safetensors")).to_float("ids");
       },
       Kind::RuntimeError,
       "{dir}/m.safetensors: tensor \"ids\": dtype I32 cannot be read as float (expected F32, F16, BF16 or F64)"},

      // ---- TensorFlow checkpoint ----
      {"tf_missing_index", [](auto& d) { bertcpp::load_tf_checkpoint(d.file("bert_model.ckpt")); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: cannot open: No such file or directory"},
      {"tf_bad_magic", [](auto& d) { tf(d, [](auto& b) { b.index.back() ^= 1; }); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: bad table magic number (not a checkpoint index, or truncated)"},
      {"tf_index_block_crc", [](auto& d) { tf(d, [](auto& b) { b.index[20] ^= 1; }); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: data block at offset 0: checksum mismatch (file corrupt)"},
      {"tf_tensor_crc", [](auto& d) { tf(d, [](auto& b) { b.data[0] ^= 1; }); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: tensor \"bert/embeddings/LayerNorm/beta\": checksum mismatch in "
       "{dir}/bert_model.ckpt.data-00000-of-00001 (file corrupt)"},
      {"tf_data_truncated", [](auto& d) { tf(d, [](auto& b) { b.data.resize(10); }); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: tensor \"bert/embeddings/LayerNorm/beta\": bytes [0, +16] are past the end of "
       "{dir}/bert_model.ckpt.data-00000-of-00001 (10 bytes; truncated?)"},
      {"tf_index_truncated", [](auto& d) { tf(d, [](auto& b) { b.index.resize(40); }); }, Kind::RuntimeError,
       "{dir}/bert_model.ckpt.index: too short for a table (40 bytes, the footer alone is 48)"},
      {"tf_missing_shard",
       [](auto& d) {
         write_file(d.file("bert_model.ckpt.index"), bertcpp::testing::small_tf_bundle().index);
         bertcpp::load_tf_checkpoint(d.file("bert_model.ckpt"));
       },
       Kind::RuntimeError, "{dir}/bert_model.ckpt.data-00000-of-00001: cannot open: No such file or directory"},

      // ---- PyTorch .bin ----
      {"bin_not_zip", [](auto& d) { bin(d, [](std::string& b) { b = "\x80\x02}q\x00."; }); }, Kind::RuntimeError,
       "{dir}/pytorch_model.bin: not a zip archive; ..."},
      {"bin_truncated", [](auto& d) { bin(d, [](std::string& b) { b.resize(b.size() - 30); }); }, Kind::RuntimeError,
       "{dir}/pytorch_model.bin: ..."},

      // ---- model directories: config, weights and vocab must agree ----
      {"model_config_disagrees_with_weights",
       [](auto& d) {
         std::string c = bertcpp::testing::read_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/config.json");
         model_dir_with(d, "config.json", replace_all(c, "\"hidden_size\": 256", "\"hidden_size\": 128"));
         bertcpp::BertModel::load(d.path());
       },
       Kind::RuntimeError,
       "tensor embeddings.word_embeddings.weight in {dir}/model.safetensors has shape [30522, 256] but the config "
       "implies [30522, 128]"},
      {"model_without_weights",
       [](auto& d) {
         std::filesystem::copy_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/config.json", d.file("config.json"));
         bertcpp::BertModel::load(d.path());
       },
       Kind::RuntimeError, "{dir}: no checkpoint found ..."},
      // A smaller vocab (tokens added, embeddings resized) loads; a larger one cannot belong.
      {"vocab_larger_than_embeddings",
       [](auto& d) {
         const std::string v = bertcpp::testing::read_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt");
         model_dir_with(d, "vocab.txt", v + "[extra1]\n[extra2]\n");
         bertcpp::EncoderOptions options;
         options.model_dir = d.path();
         bertcpp::Encoder encoder(options);
       },
       Kind::RuntimeError,
       "{dir}/vocab.txt has 30524 tokens but the model's word embeddings have 30522 rows (vocab_size in the config): "
       "ids past the matrix would be read, so the vocabulary does not belong to this model"},

      // ---- input to the encoder and the tokenizer ----
      {"encode_empty_list", [](auto&) { bundled_encoder().encode({}); }, Kind::InvalidArgument,
       "Encoder::encode: the input list is empty"},
      {"encode_too_long_when_long_text_is_error",
       [](auto&) {
         std::string text;
         for (int i = 0; i < 600; ++i) text += "word ";
         bertcpp::EncoderOptions options;
         options.long_text = bertcpp::LongText::Error;
         bertcpp::Encoder(bundled_encoder().model_ptr(), bundled_encoder().tokenizer_ptr(), options).encode({{text, std::nullopt}});
       },
       Kind::InvalidArgument,
       "input 0 has 602 tokens, more than max_position_embeddings = 512; use long_text = truncate (the default) or window"},
      {"encoder_max_seq_len_too_small",
       [](auto&) {
         bertcpp::EncoderOptions o;
         o.max_seq_len = 1;
         bertcpp::Encoder e(bundled_encoder().model_ptr(), bundled_encoder().tokenizer_ptr(), o);
       },
       Kind::InvalidArgument, "EncoderOptions::max_seq_len = 1 is outside [2, max_position_embeddings = 512]"},
      {"encoder_max_seq_len_too_large",
       [](auto&) {
         bertcpp::EncoderOptions o;
         o.max_seq_len = 513;
         bertcpp::Encoder e(bundled_encoder().model_ptr(), bundled_encoder().tokenizer_ptr(), o);
       },
       Kind::InvalidArgument, "EncoderOptions::max_seq_len = 513 is outside [2, max_position_embeddings = 512]"},
      {"encoder_pooling_layer_out_of_range",
       [](auto&) {
         bertcpp::EncoderOptions o;
         o.pooling_layers = std::vector<int>{4};
         bertcpp::Encoder e(bundled_encoder().model_ptr(), bundled_encoder().tokenizer_ptr(), o);
       },
       Kind::InvalidArgument, "pooling layer 4 is outside [-4, 3] for a model with 4 layers"},
      {"tokenizer_max_length_below_specials",
       [](auto&) { bundled_encoder().tokenizer().encode_pair("a", "b", 2); }, Kind::InvalidArgument,
       "max_length: 2 cannot hold the 3 special tokens"},
      // ---- sentence-transformers folders and tokenizer.json ----
      {"st_missing_module_folder",
       [](auto& d) {
         st_folder_with(d, kTransformerAndPooling +
                               R"(, {"idx": 2, "path": "2_Dense", "type": "sentence_transformers.models.Dense"}])");
       },
       Kind::RuntimeError,
       "{dir}/modules.json: module 2 (sentence_transformers.models.Dense): module folder {dir}/2_Dense does not exist"},
      {"st_module_without_path",  // was read as "": the model's own config.json taken for the Pooling's
       [](auto& d) {
         st_folder_with(d, R"([{"path": "", "type": "sentence_transformers.models.Transformer"},
                               {"type": "sentence_transformers.models.Pooling"}])");
       },
       Kind::RuntimeError,
       "{dir}/modules.json: module 1 (sentence_transformers.models.Pooling) needs a \"path\" string (\"\" for the "
       "model folder)"},
      {"st_max_seq_length_below_two",  // was accepted, then every text failed, each blamed for it
       [](auto& d) {
         st_folder_with(d, kTransformerAndPooling + "]", {{"sentence_bert_config.json", R"({"max_seq_length": 1})"}});
       },
       Kind::RuntimeError, "{dir}/sentence_bert_config.json: max_seq_length must be at least 2 ([CLS] and [SEP]), got 1"},
      {"st_unknown_module_type",
       [](auto& d) {
         st_folder_with(d, kTransformerAndPooling +
                               R"(, {"idx": 2, "path": "2_LayerNorm", "type": "sentence_transformers.models.LayerNorm"}])");
       },
       Kind::RuntimeError,
       "{dir}/modules.json: module 2 (sentence_transformers.models.LayerNorm): unknown module type "
       "\"sentence_transformers.models.LayerNorm\"; supported: sentence_transformers.models.Transformer, Pooling, Dense, "
       "Normalize"},
      {"st_pooling_without_a_mode",
       [](auto& d) {
         st_folder_with(d, kTransformerAndPooling + "]", {{"1_Pooling/config.json", R"({"pooling_mode_mean_tokens": false})"}});
       },
       Kind::RuntimeError,
       "{dir}/1_Pooling/config.json: no pooling mode is true; set one of pooling_mode_cls_token, pooling_mode_max_tokens, "
       "pooling_mode_mean_tokens, pooling_mode_mean_sqrt_len_tokens, pooling_mode_weightedmean_tokens, pooling_mode_lasttoken"},
      {"st_dense_in_features_mismatch",
       [](auto& d) {
         st_folder_with(d, kTransformerAndPooling +
                               R"(, {"idx": 2, "path": "2_Dense", "type": "sentence_transformers.models.Dense"}])",
                        {{"2_Dense/config.json", R"({"in_features": 128, "out_features": 4})"}});
       },
       Kind::RuntimeError,
       "{dir}/2_Dense/config.json: in_features = 128 but the module before it gives vectors of width 256"},
      {"st_dense_weight_shape_mismatch",
       [](auto& d) {
         const std::string header =
             R"({"linear.weight": {"dtype": "F32", "shape": [4, 255], "data_offsets": [0, 4080]},)"
             R"( "linear.bias": {"dtype": "F32", "shape": [4], "data_offsets": [4080, 4096]}})";
         st_folder_with(d, kTransformerAndPooling +
                               R"(, {"idx": 2, "path": "2_Dense", "type": "sentence_transformers.models.Dense"}])",
                        {{"2_Dense/config.json", R"({"in_features": 256, "out_features": 4})"},
                         {"2_Dense/model.safetensors", safetensors(header + std::string((8 - header.size() % 8) % 8, ' '),
                                                                   std::string(4096, '\0'))}});
       },
       Kind::RuntimeError,
       "{dir}/2_Dense/model.safetensors: tensor linear.weight has shape [4, 255] but config.json (in_features, "
       "out_features) implies [4, 256]"},
      {"tokenizer_json_disagrees_with_vocab_txt",
       [](auto& d) {
         model_dir_with(d, "tokenizer.json", tokenizer_json_of(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt"));
         std::string v = bertcpp::testing::read_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/vocab.txt");
         v.replace(v.find("\nhello\n"), 7, "\nhallo\n");
         write_file(d.file("vocab.txt"), v);
         bertcpp::EncoderOptions options;
         options.model_dir = d.path();
         bertcpp::Encoder encoder(options);
       },
       Kind::RuntimeError,
       "{dir}: vocab.txt and tokenizer.json disagree: id 7592 is \"hello\" in {dir}/tokenizer.json but \"hallo\" in "
       "{dir}/vocab.txt"},
      {"encoder_threads_negative",
       [](auto&) {
         bertcpp::EncoderOptions o;
         o.threads = -5;
         bertcpp::Encoder e(bundled_encoder().model_ptr(), bundled_encoder().tokenizer_ptr(), o);
       },
       Kind::InvalidArgument, "threads = -5 is outside [0, 1024] (0 uses all cores)"},
      {"tokenizer_threads_over_limit",
       [](auto&) { bundled_encoder().tokenizer().encode_batch({{"hi", std::nullopt}}, std::nullopt, 40000); },
       Kind::InvalidArgument, "threads = 40000 is more than the limit of 1024 (0 uses all cores)"},
      {"tokenizer_batch_names_the_input",
       [](auto&) {
         bundled_encoder().tokenizer().encode_batch({{"a", std::nullopt}, {"b", std::string("c")}}, 2, 1);
       },
       Kind::InvalidArgument, "input 1 cannot be encoded: max_length: 2 cannot hold the 3 special tokens"},
      {"config_model_type_not_bert",
       [](auto& d) {
         std::string c = bertcpp::testing::read_file(std::string(BERTCPP_MODEL_DIR_FOR_TESTS) + "/config.json");
         model_dir_with(d, "config.json", replace_all(c, "\"model_type\": \"bert\"", "\"model_type\": \"roberta\""));
         bertcpp::BertModel::load(d.path());
       },
       Kind::RuntimeError, "{dir}/config.json: field \"model_type\" is \"roberta\", no supported model family (supported: bert); see the "
                                 "README's \"Adding a model family\""},
      {"forward_id_outside_vocab",
       [](auto&) {
         bertcpp::Encoding e = bundled_encoder().tokenizer().encode("hello");
         e.ids[1] = 30522;
         bundled_encoder().model().forward(bertcpp::TokenBatch::from_encodings({e}));
       },
       Kind::InvalidArgument, "token id 30522 at token 1 ..."},
  };
  return rows;
}

class BadInputs : public ::testing::TestWithParam<size_t> {};

TEST_P(BadInputs, ProduceTheirExactError) {
  const BadInput& row = table()[GetParam()];
  ScratchDir dir;
  std::string expected = replace_all(row.expected, "{dir}", dir.path());
  const bool prefix_only = expected.size() >= 3 && expected.compare(expected.size() - 3, 3, "...") == 0;
  if (prefix_only) expected.resize(expected.size() - 3);
  std::string got, type;
  try {
    row.run(dir);
    type = "no exception";
  } catch (const std::invalid_argument& e) {
    type = "invalid_argument";
    got = e.what();
  } catch (const std::runtime_error& e) {
    type = "runtime_error";
    got = e.what();
  } catch (const std::exception& e) {
    type = std::string("other exception (") + typeid(e).name() + ")";
    got = e.what();
  }
  EXPECT_EQ(type, row.kind == Kind::InvalidArgument ? "invalid_argument" : "runtime_error") << got;
  if (prefix_only)
    EXPECT_EQ(got.substr(0, expected.size()), expected) << "full message: " << got;
  else
    EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputs, ::testing::Range<size_t>(0, table().size()),
                         [](const auto& info) { return std::string(table()[info.param].name); });

}  // namespace
