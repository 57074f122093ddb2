"""bertcpp.Encoder: texts -> numpy vectors, with bert-as-service's pooling options, and
the model's own outputs (forward, fill_mask, next_sentence) for everything else."""
import functools
import re

import numpy as np

from . import _bertcpp
from .models import resolve_model_dir
from .progress import ProgressBar, should_show

# bert-as-service reads "first ||| second" as a sentence pair (extract_features.read_examples).
_PAIR = re.compile(r"^(.*) \|\|\| (.*)$", re.DOTALL)


def _as_input(text, index):
    if isinstance(text, str):
        m = _PAIR.match(text)
        return (m.group(1), m.group(2)) if m else text
    if isinstance(text, (tuple, list)) and len(text) == 2 and all(isinstance(t, str) for t in text):
        return tuple(text)
    raise TypeError("element %d must be a str or a (str, str) pair, got %s" % (index, type(text).__name__))


def _normalize_rows(vectors):
    """In place: unit L2 norm over the last axis; zero vectors (padding) stay zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


class Encoder:
    """Encodes texts with a BERT model on the CPU.

    model_dir: a directory with config.json / bert_config.json, vocab.txt and weights
        (safetensors, PyTorch .bin or a TensorFlow checkpoint); None = the bundled model.
        A sentence-transformers folder (modules.json) gives SentenceTransformer's embeddings:
        its Pooling, Dense and Normalize modules, max_seq_length and prompts.
    pooling_strategy: REDUCE_MEAN, REDUCE_MAX, REDUCE_MEAN_MAX, CLS_TOKEN (FIRST_TOKEN),
        SEP_TOKEN (LAST_TOKEN), CLS_POOLED, MEAN_SQRT_LEN_TOKENS, WEIGHTED_MEAN or NONE (token
        vectors, zero padded). None = the folder's choice (its Pooling module, else REDUCE_MEAN);
        setting it (or pooling_layer) replaces a sentence-transformers folder's chain.
    pooling_layer: int or list of ints, negative from the last layer; a list concatenates.
        None = -1 for a sentence-transformers folder, else -2.
    max_seq_len: tokens per text incl. [CLS]/[SEP]. None = the folder's max_seq_length, else
        max_position_embeddings.
    long_text: texts longer than that: "truncate" (default), "error" (ValueError), or "window"
        (overlapping windows, window_overlap tokens apart, averaged weighted by their tokens).
    normalize: None = as the folder says (its Normalize module), else False/True.
    prompt_name / prompt: a prompt of the folder's config_sentence_transformers.json, or a text,
        put before every text (default: the folder's default_prompt_name).
    truncate_dim: keep the first truncate_dim dimensions (Matryoshka models).
    threads: None = all cores.
    precision: "float32" (matches transformers) or "bfloat16" (the layers' products in bfloat16,
        about twice as fast on CPUs with AVX512_BF16, ~1e-2 off float32).
    """

    def __init__(self, model_dir=None, pooling_strategy=None, pooling_layer=None, max_seq_len=None,
                 threads=None, batch_size=32, normalize=None, precision="float32", long_text="truncate",
                 window_overlap=None, prompt_name=None, prompt=None, truncate_dim=None):
        layers = None
        if pooling_layer is not None:
            layers = [pooling_layer] if isinstance(pooling_layer, (int, np.integer)) else [int(x) for x in pooling_layer]
            if not layers:
                raise ValueError("pooling_layer must name at least one layer")
        if batch_size is None or int(batch_size) < 1:
            raise ValueError("batch_size must be a positive integer, got %r" % (batch_size,))
        self.model_dir = resolve_model_dir(model_dir)
        self.normalize = bool(normalize)  # per-call default; the core applies the constructor's value
        self.precision = str(precision)
        self._core = _bertcpp.Encoder(self.model_dir, None if pooling_strategy is None else str(pooling_strategy),
                                      layers, max_seq_len, int(threads or 0), int(batch_size), self.precision,
                                      None if normalize is None else bool(normalize), str(long_text),
                                      window_overlap, prompt_name, prompt, truncate_dim)
        self._by_batch_size = {int(batch_size): self._core}
        self._by_prompt = {}

    # ---- description ----
    @property
    def dim(self):
        """Width of one pooled vector (hidden size per pooled layer; twice that for REDUCE_MEAN_MAX)."""
        return self._core.dim

    @property
    def config(self):
        """The model's config as a dict (hidden_size, num_hidden_layers, ...)."""
        return self._core.model.config

    @property
    def tokenizer(self):
        """The bertcpp.Tokenizer the encoder uses."""
        return self._core.tokenizer

    @property
    def model(self):
        return self._core.model

    @property
    def pooling_strategy(self):
        return self._core.pooling_strategy

    @property
    def pooling_layer(self):
        layers = self._core.pooling_layers
        return layers[0] if len(layers) == 1 else list(layers)

    @property
    def max_seq_len(self):
        return self._core.max_seq_len

    @property
    def batch_size(self):
        return self._core.batch_size

    @property
    def description(self):
        """What the encoder computes: the sentence-transformers chain it applies, or bert-as-service's pooling."""
        return self._core.description

    @property
    def prompts(self):
        """The folder's prompts (config_sentence_transformers.json), {} otherwise."""
        return dict(self._core.prompts)

    @property
    def similarity_fn_name(self):
        return self._core.similarity_fn_name

    def __repr__(self):
        return "Encoder(model_dir=%r, pooling_strategy=%r, pooling_layer=%r, max_seq_len=%r, precision=%r, dim=%d)" % (
            self.model_dir, self.pooling_strategy, self.pooling_layer, self.max_seq_len, self.precision, self.dim)

    # ---- encoding ----
    def _core_for(self, batch_size):
        if batch_size is None:
            return self._core
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError("batch_size must be a positive integer, got %d" % batch_size)
        if batch_size not in self._by_batch_size:
            self._by_batch_size[batch_size] = self._core.with_batch_size(batch_size)
        return self._by_batch_size[batch_size]

    def _core_with_prompt(self, core, prompt_name, prompt):
        """The core encoding with another prompt (model shared), cached per (batch size, prompt)."""
        if prompt_name is None and prompt is None:
            return core
        key = (core.batch_size, prompt_name, prompt)
        if key not in self._by_prompt:
            self._by_prompt[key] = core.with_prompt(prompt_name, prompt)
        return self._by_prompt[key]

    def encode(self, texts, batch_size=None, show_progress_bar=None, normalize=None, is_tokenized=False,
               show_tokens=False, progress=None, prompt_name=None, prompt=None, output_precision="float32",
               calibration_embeddings=None):
        """float32 array (n, dim), C-contiguous, row i for texts[i].

        texts: a list of str ("first ||| second" or a (first, second) tuple is a pair); a
            single str gives one row; with is_tokenized=True, a list of token lists.
        pooling NONE gives (n, T, H), zero padded. show_tokens=True returns (vectors, tokens).
        progress: optional callable(done, total) -> bool, called between batches; False cancels.
        prompt_name / prompt: for this call, as the constructor's (sentence-transformers' encode).
        output_precision: "float32", or "int8" / "uint8" / "binary" / "ubinary" with
            sentence-transformers' quantize_embeddings semantics (int8 ranges from
            calibration_embeddings when given, else from these vectors).
        """
        core = self._core_with_prompt(self._core_for(batch_size), prompt_name, prompt)
        if is_tokenized:
            if texts and all(isinstance(t, str) for t in texts):
                texts = [texts]  # one tokenized text
            batch = [list(t) for t in texts]
        else:
            if isinstance(texts, str):
                texts = [texts]
            batch = [_as_input(t, i) for i, t in enumerate(texts)]
        if not batch:
            raise ValueError("texts must be a non-empty list, got an empty %s" % type(texts).__name__)

        num_batches = -(-len(batch) // core.batch_size)
        bar = ProgressBar(len(batch)) if progress is None and should_show(num_batches, show_progress_bar) else None
        callback = progress if progress is not None else bar
        try:
            if is_tokenized:
                vectors, tokens = core.encode_tokenized(batch, callback, show_tokens)
            else:
                vectors, tokens = core.encode(batch, callback, show_tokens)
        finally:
            if bar is not None:
                bar.close()
        if self.normalize if normalize is None else normalize:
            _normalize_rows(vectors)
        if output_precision != "float32":
            vectors = quantize_embeddings(vectors, output_precision, calibration_embeddings=calibration_embeddings)
        return (vectors, tokens) if show_tokens else vectors

    def similarity(self, a, b):
        """[n, m] similarities of two sets of vectors by the folder's similarity_fn_name
        (cosine unless config_sentence_transformers.json says dot, euclidean or manhattan)."""
        return _bertcpp.similarity(a, b, self.similarity_fn_name)

    # ---- the model itself ----
    def forward(self, input_ids, attention_mask=None, token_type_ids=None, output_hidden_states=False):
        """Hugging Face BertModel's outputs for an int [B, T] batch, as numpy float32:
        last_hidden_state [B, T, H] (zeros where attention_mask is 0), pooler_output [B, H],
        and with output_hidden_states, hidden_states [L+1, B, T, H] (embeddings first)."""
        def as_ids(a, name):
            if a is None:
                return None
            a = np.asarray(a)
            if a.ndim == 1:
                a = a[None, :]
            if not np.issubdtype(a.dtype, np.integer):
                raise ValueError("%s must be integers, got dtype %s" % (name, a.dtype))
            return np.ascontiguousarray(a, dtype=np.int32)

        return self._core.model.forward(as_ids(input_ids, "input_ids"), as_ids(attention_mask, "attention_mask"),
                                        as_ids(token_type_ids, "token_type_ids"), bool(output_hidden_states))

    # ---- sequence classification (BertForSequenceClassification folders) ----
    @property
    def labels(self):
        """The classifier's labels (config.json's id2label), [] without a classifier head."""
        return list(self._core.labels)

    def predict(self, texts, apply_activation=False, batch_size=None, progress=None):
        """Classifier logits, float32 (n, labels), for str or (str, str) items; with
        apply_activation=True the scores people read: softmax over several labels, sigmoid of a
        single logit (a reranker), or the folder's sentence_transformers.activation_fn."""
        if isinstance(texts, (str, tuple)):
            texts = [texts]
        return self._core_for(batch_size).predict(list(texts), progress, bool(apply_activation))

    def rerank(self, query, documents, top_k=None):
        """The documents ordered by the classifier's score for (query, document), best first:
        a list of {"index", "score", "document"}."""
        documents = list(documents)
        ranked = self._core.rerank(query, documents)
        ranked = ranked if top_k is None else ranked[:int(top_k)]
        return [{"index": i, "score": float(s), "document": documents[i]} for i, s in ranked]

    def fill_mask(self, text, top_k=5):
        """For each [MASK] of text, in order: a list of top_k dicts {token, id, score}."""
        return _bertcpp.fill_mask(self._core.model, self._core.tokenizer, text, int(top_k))

    def next_sentence(self, a, b):
        """Probability (0..1) that b follows a, from the NSP head."""
        return _bertcpp.next_sentence_probability(self._core.model, self._core.tokenizer, a, b)


# ---- module level: bertcpp.encode with a cached default encoder ----
_ENCODER_ONLY_ARGS = ("model_dir", "pooling_strategy", "pooling_layer", "max_seq_len", "threads", "precision",
                      "long_text", "window_overlap", "truncate_dim")


@functools.lru_cache(maxsize=8)
def _cached_encoder(key):
    return Encoder(**dict((k, list(v) if isinstance(v, tuple) else v) for k, v in key))


def _cache_key(kwargs):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))


def quantize_embeddings(embeddings, precision, ranges=None, calibration_embeddings=None):
    """sentence-transformers' quantize_embeddings: int8 / uint8 (per-dimension ranges from
    `ranges` [2, dim], else calibration_embeddings, else the embeddings), binary / ubinary (bits
    packed 8 a byte); float32 returns the embeddings."""
    return _bertcpp.quantize_embeddings(embeddings, str(precision), ranges, calibration_embeddings)


def encode(texts, **kwargs):
    """bertcpp.encode(texts) with the bundled model (loaded once, then cached).

    Accepts Encoder's options (model_dir, pooling_strategy, pooling_layer, max_seq_len,
    threads, precision) and Encoder.encode's (batch_size, show_progress_bar, normalize, is_tokenized,
    show_tokens)."""
    encoder_args = {k: kwargs.pop(k) for k in _ENCODER_ONLY_ARGS if k in kwargs}
    return _cached_encoder(_cache_key(encoder_args)).encode(texts, **kwargs)
