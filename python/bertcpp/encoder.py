"""bertcpp.Encoder: texts -> numpy vectors, with bert-as-service's pooling options, and
the model's own outputs (forward, fill_mask, next_sentence) for everything else."""
import collections.abc
import functools
import numbers
import re
import reprlib

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
    raise TypeError("element %d must be a str or a (str, str) pair, got %s" % (index, reprlib.repr(text)))


def _as_token_list(tokens, index):
    if isinstance(tokens, np.ndarray):
        tokens = tokens.tolist()
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
        raise TypeError("with is_tokenized=True, element %d must be a list of str tokens, got %s"
                        % (index, reprlib.repr(tokens)))
    return list(tokens)


def _materialize(texts):
    """texts as a list, read once: a generator, a tuple, a numpy array or a pandas Series."""
    if isinstance(texts, (str, bytes)):
        return [texts]
    # Iterating these gives column names, keys or an arbitrary order: rows would not line up.
    if hasattr(texts, "columns") or isinstance(texts, (collections.abc.Mapping, collections.abc.Set)):
        raise TypeError("texts must be a sequence of texts, got a %s: pass a list or one column"
                        % type(texts).__name__)
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()  # a 0-d array gives its one item, not a list
        return texts if isinstance(texts, list) else [texts]
    if hasattr(texts, "tolist") and not isinstance(texts, list):  # pandas Series / Index
        return list(texts.tolist())
    try:
        return list(texts)
    except TypeError:
        raise TypeError("texts must be a str or an iterable of str, got %s" % type(texts).__name__) from None


def _check_int(name, value, minimum, allowed):
    """value as an int; TypeError/ValueError naming the argument, the value and what is allowed."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be %s, got %r (%s)" % (name, allowed, value, type(value).__name__))
    if value < minimum or value > 2**31 - 1:  # above: more than any count here, and more than a C int holds
        raise ValueError("%s must be %s, got %d" % (name, allowed, value))
    return int(value)


def _check_progress(progress):
    """progress: None or a callable(done, total) -> bool, called between batches; False cancels."""
    if progress is not None and not callable(progress):
        raise TypeError("progress must be a callable(done, total) or None, got %r" % (progress,))
    return progress


def _check_layers(layers, name="pooling_layer", empty_ok=False):
    def is_int(x):
        return isinstance(x, numbers.Integral) and not isinstance(x, bool)

    def checked(values):  # beyond a C int it names no layer: said here, not by pybind11's overload dump
        for x in values:
            if not -2**31 <= x < 2**31:
                raise ValueError("%s %d names no layer of any model (negative counts from the last)" % (name, x))
        return [int(x) for x in values]

    if is_int(layers):
        return checked([layers])
    items = layers.tolist() if isinstance(layers, np.ndarray) else layers
    if isinstance(items, (list, tuple)) and (items or empty_ok) and all(is_int(x) for x in items):
        return checked(items)
    raise TypeError("%s must be an int or a %slist of ints (negative from the last layer), got %r (%s)"
                    % (name, "" if empty_ok else "non-empty ", layers, type(layers).__name__))


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
    threads: None or 0 = all cores, else 1..1024.
    precision: "float32" (matches transformers), "bfloat16" (the layers' products in bfloat16,
        about twice as fast on CPUs with AVX512_BF16, ~1e-2 off float32) or "int8" (the layers'
        products with int8 weights and inputs, int32 sums; check a model with quantize_check).
    float_layers: encoder layers (0-based, negative from the last) kept in float32 under
        bfloat16 or int8, for a layer whose activations per-row quantization cannot hold
        (quantize_check's "layer_max_diff" shows where the error grows).
    """

    def __init__(self, model_dir=None, pooling_strategy=None, pooling_layer=None, max_seq_len=None,
                 threads=None, batch_size=32, normalize=None, precision="float32", long_text="truncate",
                 window_overlap=None, prompt_name=None, prompt=None, truncate_dim=None, float_layers=None):
        # Kept as given (None = the folder decides) so that a pickled Encoder is rebuilt alike.
        self._args = (model_dir, pooling_strategy, pooling_layer, max_seq_len, threads, batch_size, normalize,
                      precision, long_text, window_overlap, prompt_name, prompt, truncate_dim, float_layers)
        float_layers = [] if float_layers is None else _check_layers(float_layers, "float_layers", empty_ok=True)
        layers = None if pooling_layer is None else _check_layers(pooling_layer)
        if pooling_strategy is not None and not isinstance(pooling_strategy, str):
            raise TypeError("pooling_strategy must be a str such as \"REDUCE_MEAN\" or None (the model's own), got %r"
                            % (pooling_strategy,))
        if max_seq_len is not None:
            max_seq_len = _check_int("max_seq_len", max_seq_len, 2, "an integer >= 2 (tokens incl. [CLS]/[SEP]) or None")
        threads = 0 if threads is None else _check_int("threads", threads, 0, "None, 0 (all cores) or a positive integer")
        batch_size = _check_int("batch_size", batch_size, 1, "a positive integer")
        if window_overlap is not None:
            window_overlap = _check_int("window_overlap", window_overlap, 0, "a non-negative integer or None")
        if truncate_dim is not None:
            truncate_dim = _check_int("truncate_dim", truncate_dim, 1, "a positive integer or None")
        precision = "float32" if precision is None else precision
        if not isinstance(precision, str):
            raise TypeError('precision must be "float32", "bfloat16" or "int8", got %r' % (precision,))
        if not isinstance(long_text, str):
            raise TypeError('long_text must be "truncate", "error" or "window", got %r' % (long_text,))
        self.model_dir = resolve_model_dir(model_dir)
        self.normalize = bool(normalize)  # per-call default; the core applies the constructor's value
        self.precision = precision
        self._core = _bertcpp.Encoder(self.model_dir, pooling_strategy, layers, max_seq_len, threads, batch_size,
                                      self.precision, None if normalize is None else bool(normalize), long_text,
                                      window_overlap, prompt_name, prompt, truncate_dim, float_layers)
        self._by_batch_size = {batch_size: self._core}
        self._by_prompt = {}

    # ---- pickling: by model directory and the options as given, so that spawn/forkserver workers get one ----
    def __reduce__(self):
        return (type(self), (self.model_dir,) + self._args[1:])

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
        batch_size = _check_int("batch_size", batch_size, 1, "a positive integer or None")
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
        texts = _materialize(texts)
        if is_tokenized:
            if texts and all(isinstance(t, str) for t in texts):
                texts = [texts]  # one tokenized text
            batch = [_as_token_list(t, i) for i, t in enumerate(texts)]
        else:
            batch = [_as_input(t, i) for i, t in enumerate(texts)]
        if not batch:
            raise ValueError("texts must be a non-empty iterable of texts")
        num_batches = -(-len(batch) // core.batch_size)
        _check_progress(progress)
        bar = ProgressBar.create(len(batch)) if progress is None and should_show(num_batches, show_progress_bar) else None
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
            if vectors.ndim != 2:
                raise ValueError("output_precision=%r quantizes sentence vectors; pooling_strategy NONE gives token "
                                 "vectors (quantize them with bertcpp.quantize_embeddings row by row)" % (output_precision,))
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
            return a  # dtype and range are checked by the compiled forward

        return self._core.model.forward(as_ids(input_ids, "input_ids"), as_ids(attention_mask, "attention_mask"),
                                        as_ids(token_type_ids, "token_type_ids"), bool(output_hidden_states),
                                        self._core.threads)

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
        return self._core_for(batch_size).predict(list(texts), _check_progress(progress), bool(apply_activation))

    def rerank(self, query, documents, top_k=None, progress=None):
        """The documents ordered by the classifier's score for (query, document), best first:
        a list of {"index", "score", "document"}. progress(done, total) as for encode."""
        documents = list(documents)
        ranked = self._core.rerank(query, documents, _check_progress(progress))
        ranked = ranked if top_k is None else ranked[:_check_int("top_k", top_k, 1, "a positive integer or None")]
        return [{"index": i, "score": float(s), "document": documents[i]} for i, s in ranked]

    def fill_mask(self, text, top_k=5, max_length=None):
        """For each [MASK] of text, in order: a list of top_k dicts {token, id, score}.
        max_length truncates (tokens incl. [CLS]/[SEP]); a longer text without it is a ValueError."""
        top_k = _check_int("top_k", top_k, 1, "a positive integer")
        return _bertcpp.fill_mask(self._core.model, self._core.tokenizer, text, top_k, max_length, self._core.threads)

    def next_sentence(self, a, b, max_length=None):
        """Probability (0..1) that b follows a, from the NSP head; max_length truncates the pair."""
        return _bertcpp.next_sentence_probability(self._core.model, self._core.tokenizer, a, b, max_length,
                                                  self._core.threads)


# ---- module level: bertcpp.encode with a cached default encoder ----
_ENCODER_ONLY_ARGS = ("model_dir", "pooling_strategy", "pooling_layer", "max_seq_len", "threads", "precision",
                      "long_text", "window_overlap", "truncate_dim", "float_layers")


@functools.lru_cache(maxsize=8)
def _cached_encoder(key):
    return Encoder(**dict((k, list(v) if isinstance(v, tuple) else v) for k, v in key))


def _cache_key(kwargs):
    def hashable(v):
        if isinstance(v, np.ndarray):
            v = v.tolist()
        return tuple(v) if isinstance(v, list) else v
    return tuple(sorted((k, hashable(v)) for k, v in kwargs.items()))


def quantize_embeddings(embeddings, precision, ranges=None, calibration_embeddings=None):
    """sentence-transformers' quantize_embeddings: int8 / uint8 (per-dimension ranges from
    `ranges` [2, dim], else calibration_embeddings, else the embeddings), binary / ubinary (bits
    packed 8 a byte); float32 returns the embeddings."""
    return _bertcpp.quantize_embeddings(embeddings, str(precision), ranges, calibration_embeddings)


def quantize_check(model_dir=None, texts=None, progress=None, **kwargs):
    """What precision="int8" costs a model, measured: encodes `texts` (None: a built-in sample;
    an empty list is a ValueError) in float32 and in int8 with the same Encoder options (kwargs)
    and returns a dict: "cosines" (per text, int8 vector to float32 vector), "cosine_min",
    "cosine_mean", "hidden_max_diff" and "hidden_mean_diff" (|int8 - float32| over every token of
    the last hidden states), "layer_max_diff" and "layer_mean_diff" (the same for each layer's
    output: where the error grows), "float_layers" (the layers kept in float32, kwarg
    float_layers), "isa" (the kernels that ran) and "texts" (how many). Runs in the Encoder's
    batches (memory stays one batch's); progress(done, total) as for encode, over its three
    passes. Also `bertcpp quantize-check`.
    """
    if kwargs.get("precision", "float32") not in ("float32", "fp32", None):
        raise ValueError("quantize_check compares int8 with float32; leave precision out, got %r" % (kwargs["precision"],))
    kwargs["precision"] = "float32"
    exact = Encoder(model_dir, **kwargs)
    if texts is not None:
        texts = _materialize(texts)
    return _bertcpp.quantize_check(exact._core, texts, _check_progress(progress))


def encode(texts, **kwargs):
    """bertcpp.encode(texts) with the bundled model (loaded once, then cached).

    Accepts Encoder's options (model_dir, pooling_strategy, pooling_layer, max_seq_len,
    threads, precision) and Encoder.encode's (batch_size, show_progress_bar, normalize, is_tokenized,
    show_tokens)."""
    encoder_args = {k: kwargs.pop(k) for k in _ENCODER_ONLY_ARGS if k in kwargs}
    return _cached_encoder(_cache_key(encoder_args)).encode(texts, **kwargs)
