"""Reliability: pickling and multiprocessing, input validation that names the argument, and
the CLI never losing or faking data. Anything that could hang runs in a subprocess with a timeout."""
import os
import pickle
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import bertcpp
from conftest import MODEL_DIR

TIMEOUT = 240  # seconds; a hang fails the test instead of the run


def run_python(code, timeout=TIMEOUT, env=None):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            timeout=timeout, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


# ---- pickling and multiprocessing ----

def test_encoder_pickles_by_model_dir_and_options(encoder):
    custom = bertcpp.Encoder(pooling_strategy="CLS_TOKEN", pooling_layer=[-1, -2], max_seq_len=32, threads=1,
                             batch_size=4, normalize=True)
    clone = pickle.loads(pickle.dumps(custom))
    assert (clone.model_dir, clone.pooling_strategy, clone.pooling_layer, clone.max_seq_len, clone.batch_size,
            clone.normalize, clone.precision) == (custom.model_dir, "CLS_TOKEN", [-1, -2], 32, 4, True, "float32")
    assert clone._core.threads == 1
    texts = ["pickled encoders", "give the same vectors"]
    np.testing.assert_array_equal(clone.encode(texts), custom.encode(texts))


def test_encoder_pickles_the_long_text_prompt_and_truncation_options():
    custom = bertcpp.Encoder(max_seq_len=8, long_text="window", window_overlap=2, prompt="query: ", truncate_dim=16)
    clone = pickle.loads(pickle.dumps(custom))
    assert clone._args[1:] == custom._args[1:] and clone.model_dir == custom.model_dir
    texts = ["a text long enough to need more than one window of eight tokens"]
    np.testing.assert_array_equal(clone.encode(texts), custom.encode(texts))
    assert clone.encode(texts).shape == (1, 16)


POOL_SCRIPT = """
import multiprocessing as mp, sys, threading
import numpy as np
import bertcpp

def work(args):
    encoder, text = args
    return encoder.encode([text])

if __name__ == "__main__":
    encoder = bertcpp.Encoder(threads=2)
    texts = ["one text", "another text", "a third one"]
    if sys.argv[2] == "used":
        expected = encoder.encode(texts)  # the parent has run the model (and its threads) first
    stop = threading.Event()
    if sys.argv[2] == "concurrent":  # another thread makes the pool and encodes while the pool forks
        busy = threading.Thread(target=lambda: [encoder.encode(texts * 4) for _ in iter(stop.is_set, True)])
        busy.start()
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        got = np.concatenate(pool.map(work, [(encoder, t) for t in texts]))
    stop.set()
    if sys.argv[2] != "used":
        expected = encoder.encode(texts)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    print("ok")
"""


def run_pool(tmp_path, method, state):
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    result = subprocess.run([sys.executable, str(script), method, state], capture_output=True, text=True,
                            timeout=TIMEOUT)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_multiprocessing_pool_spawn_and_forkserver(tmp_path, method):
    run_pool(tmp_path, method, "used")


def test_multiprocessing_pool_fork_before_use(tmp_path):
    run_pool(tmp_path, "fork", "fresh")


def test_multiprocessing_pool_fork_after_use(tmp_path):
    run_pool(tmp_path, "fork", "used")


def test_multiprocessing_pool_fork_while_another_thread_encodes(tmp_path):
    for _ in range(3):  # each run a fresh interpreter: the pool is made while the children fork
        run_pool(tmp_path, "fork", "concurrent")


# ---- inputs: iterables read once, every element checked ----

def test_iterables_are_read_once_and_checked(encoder):
    texts = ["hello world", "the bank"]
    expected = encoder.encode(texts)
    np.testing.assert_array_equal(encoder.encode(t for t in texts), expected)
    np.testing.assert_array_equal(encoder.encode(np.array(texts)), expected)
    np.testing.assert_array_equal(encoder.encode(tuple(texts)), expected)
    # A 0-d array is one text, as a str is (it was encoded one character a row).
    np.testing.assert_array_equal(encoder.encode(np.array("hello world")), expected[:1])
    tokenized = [["hello", "world"], ["the", "bank"]]
    by_list = encoder.encode(tokenized, is_tokenized=True)
    np.testing.assert_array_equal(encoder.encode((t for t in tokenized), is_tokenized=True), by_list)
    np.testing.assert_array_equal(encoder.encode([np.array(t) for t in tokenized], is_tokenized=True), by_list)
    # A generator of str tokens is one tokenized text, as a list of str is.
    np.testing.assert_array_equal(encoder.encode((t for t in ["hello", "world"]), is_tokenized=True),
                                  encoder.encode(["hello", "world"], is_tokenized=True))
    with pytest.raises(TypeError, match="element 1"):
        encoder.encode([["hello"], "world"], is_tokenized=True)
    with pytest.raises(TypeError, match="element 1"):
        encoder.encode(["fine", 3])
    with pytest.raises(ValueError, match="empty"):
        encoder.encode(iter([]))


def test_lone_surrogates_name_the_element_and_position(encoder, tokenizer):
    bad = "abc\udcff"
    with pytest.raises(ValueError, match="element 1 is not valid Unicode: a lone surrogate at position 3"):
        encoder.encode(["fine", bad])
    with pytest.raises(ValueError, match="text is not valid Unicode"):
        tokenizer.encode(bad)
    with pytest.raises(ValueError, match="element 0"):
        tokenizer.encode_batch([bad])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"max_seq_len": -1}, ValueError, r"max_seq_len must be an integer >= 2.*got -1"),
    ({"max_seq_len": 25.0}, TypeError, r"max_seq_len must be an integer.*25\.0"),
    ({"max_seq_len": "25"}, TypeError, r"max_seq_len must be an integer.*'25'"),
    ({"threads": -5}, ValueError, r"threads must be None, 0 .*got -5"),
    ({"threads": 40000}, ValueError, r"threads = 40000 is outside \[0, 1024\]"),
    ({"pooling_layer": "-1"}, TypeError, r"pooling_layer must be an int or a non-empty list of ints.*'-1'"),
    ({"pooling_layer": [-1, 2**63]}, ValueError, r"pooling_layer 9223372036854775808 names no layer"),
    ({"pooling_strategy": 3}, TypeError, r"pooling_strategy must be a str such as \"REDUCE_MEAN\" or None"),
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive integer, got 0"),
])
def test_bad_encoder_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        bertcpp.Encoder(**kwargs)


def test_pooling_strategy_none_is_the_models_default_not_token_vectors(encoder):
    # None means "the model folder decides" (its sentence-transformers Pooling, else REDUCE_MEAN),
    # never NONE's token vectors.
    default = bertcpp.Encoder(pooling_strategy=None)
    assert default.pooling_strategy == "REDUCE_MEAN"
    vectors = default.encode(["one text", "another"])
    assert vectors.shape == (2, default.dim)
    np.testing.assert_array_equal(vectors, bertcpp.Encoder(pooling_strategy="REDUCE_MEAN").encode(["one text", "another"]))


def test_numpy_layers_and_none_precision_are_accepted():
    encoder = bertcpp.Encoder(pooling_layer=np.array([-1, -2]), precision=None)
    assert encoder.pooling_layer == [-1, -2] and encoder.precision == "float32"


def test_other_bad_arguments_are_named(encoder, tokenizer):
    with pytest.raises(ValueError, match=r"top_k must be a positive integer, got -1"):
        encoder.fill_mask("a [MASK] day", top_k=-1)
    with pytest.raises(IndexError, match=r"id 10000000000 is outside \[0, vocab_size = 30522\)"):
        tokenizer.id_to_token(10**10)
    with pytest.raises(ValueError, match=r"threads = -1 is outside"):
        tokenizer.encode_batch(["hi"], threads=-1)
    with pytest.raises(ValueError, match=r"threads = 40000 is outside"):
        tokenizer.encode_batch(["hi"], threads=40000)
    with pytest.raises(TypeError, match=r"max_length must be an integer, got 25\.0"):
        tokenizer.encode("hi", max_length=25.0)
    with pytest.raises(TypeError, match=r"progress callback must return True, False or None, got 'yes'"):
        encoder.encode(["a", "b"], progress=lambda done, total: "yes")


def test_forward_refuses_ids_that_do_not_fit_int32(encoder):
    ids = np.array([[101, 2**32 + 101, 102]], dtype=np.int64)
    with pytest.raises(ValueError, match=r"input_ids holds 4294967397, outside int32"):
        encoder.forward(ids)
    with pytest.raises(ValueError, match=r"input_ids holds 4294967397"):
        encoder.model.forward(ids)
    ok = encoder.forward(np.array([[101, 7592, 102]], dtype=np.int64))
    assert ok["last_hidden_state"].shape == (1, 3, 256)


def test_encode_without_tqdm_still_works(tmp_path):
    # tqdm is optional: with it unimportable, a progress bar is simply not shown.
    run_python("""
        import sys
        sys.modules["tqdm"] = None
        sys.modules["tqdm.auto"] = None
        import bertcpp
        v = bertcpp.Encoder(batch_size=1).encode(["a", "b", "c", "d", "e", "f"], show_progress_bar=True)
        assert v.shape == (6, 256)
    """)


def test_cli_main_leaves_sigint_and_environment_as_they_were(tmp_path):
    run_python("""
        import os, signal
        import bertcpp.__main__ as cli
        before = signal.getsignal(signal.SIGINT)
        had = os.environ.get("BERTCPP_MODEL_DIR")
        assert cli.main(["info"]) == 0
        assert signal.getsignal(signal.SIGINT) is before, signal.getsignal(signal.SIGINT)
        assert os.environ.get("BERTCPP_MODEL_DIR") == had
        # And Ctrl-C still raises KeyboardInterrupt in the interpreter.
        try:
            os.kill(os.getpid(), signal.SIGINT)
            import time; time.sleep(1)
            raise SystemExit("no KeyboardInterrupt")
        except KeyboardInterrupt:
            pass
    """)


def test_vocab_smaller_than_the_embedding_matrix_is_accepted(tmp_path, encoder):
    # Tokens added and the embeddings resized: vocab.txt lists fewer entries than the matrix has rows.
    model = tmp_path / "model"
    model.mkdir()
    for name in os.listdir(MODEL_DIR):
        if name != "vocab.txt":
            os.symlink(os.path.join(MODEL_DIR, name), model / name)
    with open(os.path.join(MODEL_DIR, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().splitlines()
    (model / "vocab.txt").write_text("\n".join(vocab[:-100]) + "\n", encoding="utf-8")
    smaller = bertcpp.Encoder(str(model))
    texts = ["the bank of the river", "hello world"]
    np.testing.assert_allclose(smaller.encode(texts), encoder.encode(texts), atol=1e-6)


# ---- Ctrl-C while tokenizing ----

def test_a_signal_stops_tokenizing_long_before_the_work_is_done():
    # Each text is one word of combining marks (one token out, much normalizing in). A signal
    # handler that raises is run inside the call and stops it: the call ends soon after the
    # alarm, not when all the text is done.
    run_python("""
        import os, signal, time
        import bertcpp
        tok = bertcpp.Tokenizer(%r)
        enc = bertcpp.Encoder(batch_size=64)
        texts = ["a" + "\\u0301\\u0327" * 10000] * 2000
        start = time.monotonic()
        tok.encode_batch(texts, threads=1)
        full = time.monotonic() - start

        class Alarm(Exception):
            pass

        def on_alarm(signum, frame):
            raise Alarm()

        signal.signal(signal.SIGALRM, on_alarm)
        for call in (lambda: tok.encode_batch(texts, threads=1), lambda: enc.encode(texts)):
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            start = time.monotonic()
            try:
                call()
                raise SystemExit("not interrupted")
            except Alarm:
                took = time.monotonic() - start
            assert took < 0.05 + full / 2, (took, full)
    """ % os.path.join(MODEL_DIR, "vocab.txt"))


def test_fill_mask_and_next_sentence_past_512_tokens_say_how_to_truncate(encoder):
    long_text = "the [MASK] was " + "very " * 600 + "good"
    with pytest.raises(ValueError, match=r"has 6\d\d tokens, more than max_position_embeddings = 512; pass max_length"):
        encoder.fill_mask(long_text)
    assert len(encoder.fill_mask(long_text, max_length=64)) == 1
    with pytest.raises(ValueError, match=r"no \[MASK\] within its first 8 tokens"):
        encoder.fill_mask("a b c d e f g h i j [MASK]", max_length=8)
    with pytest.raises(ValueError, match="max_position_embeddings = 512"):
        encoder.next_sentence("word " * 400, "word " * 400)
    assert 0.0 <= encoder.next_sentence("word " * 400, "word " * 400, max_length=128) <= 1.0


def test_a_bad_model_dir_variable_is_named(tmp_path):
    env = dict(os.environ, BERTCPP_MODEL_DIR=str(tmp_path / "missing"))
    result = subprocess.run([sys.executable, "-c", "import bertcpp; bertcpp.Encoder()"], capture_output=True,
                            text=True, timeout=TIMEOUT, env=env)
    assert result.returncode != 0 and "BERTCPP_MODEL_DIR=" in result.stderr, result.stderr


def test_module_level_encode_accepts_numpy_layers():
    v = bertcpp.encode(["hello"], pooling_layer=np.array([-1, -2]))
    np.testing.assert_array_equal(v, bertcpp.Encoder(pooling_layer=[-1, -2]).encode(["hello"]))


def test_lone_surrogates_in_tokenized_input_are_named(encoder, tokenizer):
    with pytest.raises(ValueError, match="element 1 is not valid Unicode"):
        encoder.encode([["fine"], ["bad\udcff"]], is_tokenized=True)
    with pytest.raises(ValueError, match="tokens_b is not valid Unicode"):
        tokenizer.encode_tokens(["ok"], ["\ud800"])
    with pytest.raises(TypeError, match="tokens must be a list of str tokens, got a int"):
        tokenizer.encode_tokens(["ok", 3])


def test_unordered_or_keyed_collections_are_refused(encoder):
    for texts in ({"a": "hello"}, {"hello", "world"}):
        with pytest.raises(TypeError, match="texts must be a sequence of texts"):
            encoder.encode(texts)
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"text": ["hello", "world"]})
    with pytest.raises(TypeError, match="got a DataFrame: pass a list or one column"):
        encoder.encode(frame)
    np.testing.assert_array_equal(encoder.encode(frame["text"]), encoder.encode(["hello", "world"]))


def test_a_text_that_is_not_a_str_is_named(tokenizer, encoder):
    # bytes or None gave pybind11's list of overloads; a pair with a None named only "tuple".
    with pytest.raises(TypeError, match=r'^text must be a str, got bytes \(decode it first'):
        tokenizer.encode(b"abc")
    with pytest.raises(TypeError, match="^text_b must be a str, got NoneType|^text must be a str, got NoneType"):
        tokenizer.encode(None)
    with pytest.raises(TypeError, match="^text must be a str, got int"):
        tokenizer.tokenize(3)
    with pytest.raises(TypeError, match="^text must be a str, got bytes"):
        encoder.fill_mask(b"a [MASK]")
    with pytest.raises(TypeError, match=r"element 0 must be a str or a \(str, str\) pair, got \('a', None\)"):
        encoder.encode([("a", None)])


def test_tokenizer_batches_take_any_iterable_but_not_one_str(tokenizer):
    texts = ["hello world", ("a", "b")]
    expected = [e.ids for e in tokenizer.encode_batch(texts)]
    assert [e.ids for e in tokenizer.encode_batch(t for t in texts)] == expected
    assert [e.ids for e in tokenizer.encode_batch(np.array(["hello world"]))] == expected[:1]
    with pytest.raises(TypeError, match="got a single str"):
        tokenizer.encode_batch("hello world")
