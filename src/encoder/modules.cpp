// sentence-transformers folders: modules.json and the configs of its modules.
#include <bertcpp/detail/encoder/modules.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bertcpp {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json parse_json(const std::string& text, const std::string& source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::runtime_error(source + ": not valid JSON");
  return j;
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string require_text(const fs::path& path, const std::string& why) {
  auto text = read_text(path);
  if (!text) throw std::runtime_error(path.string() + ": cannot open (" + why + ")");
  return *text;
}

// The last dotted component: "sentence_transformers.models.Pooling" -> "Pooling".
std::string short_type(const std::string& type) {
  const size_t dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw std::runtime_error(source + ": \"" + key + "\" must be true or false, got " + it->dump());
  return it->get<bool>();
}

int64_t get_positive(const json& j, const char* key, const std::string& source, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw std::runtime_error(source + ": missing \"" + key + "\"");
    return 0;
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > (int64_t{1} << 31))
    throw std::runtime_error(source + ": \"" + key + "\" must be a positive integer, got " + it->dump());
  return it->get<int64_t>();
}

}  // namespace

DenseActivation parse_dense_activation(const std::string& name, const std::string& source) {
  const std::string s = short_type(name);
  if (s == "Identity") return DenseActivation::Identity;
  if (s == "Tanh") return DenseActivation::Tanh;
  if (s == "ReLU") return DenseActivation::ReLU;
  if (s == "Sigmoid") return DenseActivation::Sigmoid;
  if (s == "GELU") return DenseActivation::Gelu;
  throw std::runtime_error(source + ": activation_function \"" + name +
                           "\" is not supported; valid: torch.nn.modules.linear.Identity, "
                           "torch.nn.modules.activation.Tanh, ReLU, Sigmoid, GELU");
}

const char* dense_activation_name(DenseActivation a) {
  switch (a) {
    case DenseActivation::Identity: return "Identity";
    case DenseActivation::Tanh: return "Tanh";
    case DenseActivation::ReLU: return "ReLU";
    case DenseActivation::Sigmoid: return "Sigmoid";
    case DenseActivation::Gelu: return "GELU";
  }
  return "?";
}

std::vector<SentenceModules::Entry> parse_modules_json(const std::string& text, const std::string& source) {
  const json j = parse_json(text, source);
  if (!j.is_array()) throw std::runtime_error(source + ": expected a list of modules, got " + std::string(j.type_name()));
  // In the file's order, as sentence-transformers runs them ("idx" is not read, there either).
  std::vector<SentenceModules::Entry> chain;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& m = j[i];
    const std::string where = source + ": module " + std::to_string(i);
    if (!m.is_object()) throw std::runtime_error(where + " is not an object");
    auto type = m.find("type");
    if (type == m.end() || !type->is_string()) throw std::runtime_error(where + " has no \"type\" string");
    auto path = m.find("path");  // "" is the folder itself; absent is an error there too (KeyError)
    if (path == m.end() || !path->is_string())
      throw std::runtime_error(where + " (" + type->get<std::string>() + ") needs a \"path\" string (\"\" for the model folder)");
    const std::string p = path->get<std::string>();
    if (p.find("..") != std::string::npos || (!p.empty() && p[0] == '/'))
      throw std::runtime_error(where + ": path \"" + p + "\" leaves the model folder");
    chain.push_back({type->get<std::string>(), p});
  }
  return chain;
}

PoolingModule parse_pooling_config(const std::string& text, const std::string& source) {
  const json j = parse_json(text, source);
  if (!j.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  PoolingModule p;
  p.word_embedding_dimension = get_positive(j, "word_embedding_dimension", source, false);
  p.include_prompt = get_bool(j, "include_prompt", true, source);
  // pooling_modes() lists ST's modes in ST's concatenation order.
  for (const PoolingMode& m : pooling_modes()) {
    if (*m.st_name == '\0') continue;
    if (get_bool(j, ("pooling_mode_" + std::string(m.st_name)).c_str(), false, source)) p.modes.push_back(m.strategy);
  }
  if (p.modes.empty()) {
    std::string keys;
    for (const PoolingMode& m : pooling_modes())
      if (*m.st_name != '\0') keys += (keys.empty() ? "" : ", ") + std::string("pooling_mode_") + m.st_name;
    throw std::runtime_error(source + ": no pooling mode is true; set one of " + keys);
  }
  return p;
}

DenseModule parse_dense_config(const std::string& text, const std::string& source) {
  const json j = parse_json(text, source);
  if (!j.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  DenseModule d;
  d.in_features = get_positive(j, "in_features", source, true);
  d.out_features = get_positive(j, "out_features", source, true);
  d.bias = get_bool(j, "bias", true, source);
  if (auto it = j.find("activation_function"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) throw std::runtime_error(source + ": \"activation_function\" must be a string");
    d.activation = parse_dense_activation(it->get<std::string>(), source);
  }
  return d;
}

size_t SentenceModules::output_dim(size_t pooled) const {
  size_t dim = pooled;
  for (const PostPoolingStep& step : after_pooling)
    if (step.kind == PostPoolingStep::Kind::Dense) dim = static_cast<size_t>(dense[step.dense_index].out_features);
  return dim;
}

std::string SentenceModules::describe(std::optional<size_t> tokens_read) const {
  const std::optional<size_t> shown = tokens_read ? tokens_read : max_seq_length;
  std::string s = "Transformer(max_seq_length=" + (shown ? std::to_string(*shown) : "none") + ")";
  s += " -> Pooling(";
  for (size_t i = 0; i < pooling.modes.size(); ++i) {
    const PoolingMode& m = pooling_mode(pooling.modes[i]);
    s += (i ? "+" : "") + std::string(m.st_name);
  }
  if (!pooling.include_prompt) s += ", include_prompt=false";
  s += ")";
  for (const PostPoolingStep& step : after_pooling) {
    if (step.kind == PostPoolingStep::Kind::Normalize) {
      s += " -> Normalize";
    } else {
      const DenseModule& d = dense[step.dense_index];
      s += " -> Dense(" + std::to_string(d.in_features) + "->" + std::to_string(d.out_features) + ", " +
           dense_activation_name(d.activation) + (d.bias ? "" : ", no bias") + ")";
    }
  }
  return s;
}

bool is_sentence_transformers_folder(const std::string& model_dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(model_dir) / "modules.json", ec);
}

SentenceModules read_sentence_modules(const std::string& model_dir) {
  const fs::path root(model_dir);
  SentenceModules st;
  st.folder = model_dir;
  const fs::path modules_path = root / "modules.json";
  st.chain = parse_modules_json(require_text(modules_path, "the module chain"), modules_path.string());

  bool have_transformer = false, have_pooling = false;
  for (size_t i = 0; i < st.chain.size(); ++i) {
    const SentenceModules::Entry& e = st.chain[i];
    const std::string type = short_type(e.type);
    const fs::path dir = root / e.path;
    const std::string where = modules_path.string() + ": module " + std::to_string(i) + " (" + e.type + ")";
    if (type == "Transformer") {
      if (have_transformer || i != 0) throw std::runtime_error(where + ": the Transformer must be the first module, once");
      have_transformer = true;
      st.transformer_dir = dir.lexically_normal().string();
      if (e.path.empty()) st.transformer_dir = model_dir;
      const fs::path sbert = dir / "sentence_bert_config.json";
      if (auto text = read_text(sbert)) {
        const json j = parse_json(*text, sbert.string());
        if (!j.is_object()) throw std::runtime_error(sbert.string() + ": expected a JSON object");
        if (auto it = j.find("max_seq_length"); it != j.end() && !it->is_null()) {
          st.max_seq_length = static_cast<size_t>(get_positive(j, "max_seq_length", sbert.string(), true));
          if (*st.max_seq_length < 2)  // else every text would fail, each blamed for it
            throw std::runtime_error(sbert.string() + ": max_seq_length must be at least 2 ([CLS] and [SEP]), got " +
                                     std::to_string(*st.max_seq_length));
        }
        if (auto it = j.find("do_lower_case"); it != j.end() && it->is_boolean()) st.do_lower_case = it->get<bool>();
      }
    } else if (type == "Pooling") {
      if (!have_transformer || have_pooling)
        throw std::runtime_error(where + ": expected one Pooling module, right after the Transformer");
      have_pooling = true;
      const fs::path config = dir / "config.json";
      if (!fs::is_directory(dir)) throw std::runtime_error(where + ": module folder " + dir.string() + " does not exist");
      st.pooling = parse_pooling_config(require_text(config, "the Pooling module's config"), config.string());
    } else if (type == "Dense") {
      if (!have_pooling) throw std::runtime_error(where + ": a Dense module must come after the Pooling module");
      if (!fs::is_directory(dir)) throw std::runtime_error(where + ": module folder " + dir.string() + " does not exist");
      const fs::path config = dir / "config.json";
      DenseModule d = parse_dense_config(require_text(config, "the Dense module's config"), config.string());
      d.dir = dir.string();
      st.after_pooling.push_back({PostPoolingStep::Kind::Dense, st.dense.size()});
      st.dense.push_back(std::move(d));
    } else if (type == "Normalize") {
      // ST writes the Normalize folder empty and never reads it: it need not exist.
      if (!have_pooling) throw std::runtime_error(where + ": Normalize must come after the Pooling module");
      st.after_pooling.push_back({PostPoolingStep::Kind::Normalize, 0});
    } else {
      throw std::runtime_error(where + ": unknown module type \"" + e.type +
                               "\"; supported: sentence_transformers.models.Transformer, Pooling, Dense, Normalize");
    }
  }
  if (!have_transformer) throw std::runtime_error(modules_path.string() + ": no sentence_transformers.models.Transformer module");
  if (!have_pooling) throw std::runtime_error(modules_path.string() + ": no sentence_transformers.models.Pooling module (token embeddings only are not supported)");

  // Each Dense reads the width the step before it produced.
  for (size_t k = 1; k < st.dense.size(); ++k) {
    if (st.dense[k].in_features != st.dense[k - 1].out_features)
      throw std::runtime_error(st.dense[k].dir + "/config.json: in_features = " + std::to_string(st.dense[k].in_features) +
                               " but the Dense before it gives " + std::to_string(st.dense[k - 1].out_features));
  }

  const fs::path st_config = root / "config_sentence_transformers.json";
  if (auto text = read_text(st_config)) {
    const json j = parse_json(*text, st_config.string());
    if (!j.is_object()) throw std::runtime_error(st_config.string() + ": expected a JSON object");
    if (auto it = j.find("prompts"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) throw std::runtime_error(st_config.string() + ": \"prompts\" must be an object of strings");
      for (auto p = it->begin(); p != it->end(); ++p) {
        if (!p->is_string()) throw std::runtime_error(st_config.string() + ": prompt \"" + p.key() + "\" is not a string");
        st.prompts[p.key()] = p->get<std::string>();
      }
    }
    if (auto it = j.find("default_prompt_name"); it != j.end() && !it->is_null()) {
      if (!it->is_string()) throw std::runtime_error(st_config.string() + ": \"default_prompt_name\" must be a string or null");
      st.default_prompt_name = it->get<std::string>();
      if (!st.prompts.count(*st.default_prompt_name))
        throw std::runtime_error(st_config.string() + ": default_prompt_name \"" + *st.default_prompt_name +
                                 "\" is not one of the prompts");
    }
    if (auto it = j.find("similarity_fn_name"); it != j.end() && !it->is_null()) {
      if (!it->is_string()) throw std::runtime_error(st_config.string() + ": \"similarity_fn_name\" must be a string");
      st.similarity_fn_name = it->get<std::string>();
      if (st.similarity_fn_name != "cosine" && st.similarity_fn_name != "dot" &&
          st.similarity_fn_name != "euclidean" && st.similarity_fn_name != "manhattan")
        throw std::runtime_error(st_config.string() + ": similarity_fn_name \"" + st.similarity_fn_name +
                                 "\" is not one of cosine, dot, euclidean, manhattan");
    }
  }
  return st;
}

}  // namespace bertcpp
