"""bertcpp.Encoder: shapes, dtypes, options, agreement with its own forward() and with the
Hugging Face transformers reference outputs of the bundled model."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import bertcpp
from conftest import MODEL_DIR, REPO

TEXTS = ["I love data science", "We went to the river bank.", "He went to the bank to deposit money.",
         "The quick brown fox jumps over the lazy dog!"]


def valid_mean(hidden, mask):
    """Mean over the tokens whose mask is 1 (bert-as-service's REDUCE_MEAN)."""
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(axis=1) / m.sum(axis=1)


def test_encode_returns_contiguous_float32_rows(encoder):
    v = encoder.encode(TEXTS)
    assert v.shape == (4, 256) and encoder.dim == 256
    assert v.dtype == np.float32 and v.flags["C_CONTIGUOUS"]
    assert np.isfinite(v).all()
    assert encoder.encode("I love data science").shape == (1, 256)
    np.testing.assert_array_equal(encoder.encode("I love data science")[0], v[0])


def test_results_do_not_depend_on_batching(encoder):
    together = encoder.encode(TEXTS * 10, batch_size=7)
    one_by_one = np.vstack([encoder.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(together[:4], one_by_one, atol=1e-5)
    np.testing.assert_allclose(together[36:], one_by_one, atol=1e-5)


def test_reduce_mean_matches_hugging_face(encoder, reference):
    tensors, meta = reference
    texts = meta["texts"]
    ours = encoder.encode(texts)
    np.testing.assert_allclose(ours, tensors["reduce_mean_layer-2"], atol=2e-4)


@pytest.mark.parametrize("strategy,layer,key", [("REDUCE_MEAN", -1, "reduce_mean_layer-1"),
                                                ("REDUCE_MAX", -2, "reduce_max_layer-2"),
                                                ("CLS_TOKEN", -1, "cls_token_layer-1"),
                                                ("CLS_POOLED", -1, "pooler_output")])
def test_pooling_strategies_match_hugging_face(reference, strategy, layer, key):
    tensors, meta = reference
    enc = bertcpp.Encoder(pooling_strategy=strategy, pooling_layer=layer)
    np.testing.assert_allclose(enc.encode(meta["texts"]), tensors[key], atol=2e-4)


def test_forward_matches_hugging_face(encoder, reference):
    tensors, _ = reference
    out = encoder.forward(tensors["input_ids"], tensors["attention_mask"], tensors["token_type_ids"],
                          output_hidden_states=True)
    mask = tensors["attention_mask"].astype(bool)
    assert out["last_hidden_state"].shape == (20, 73, 256)
    assert out["hidden_states"].shape == (5, 20, 73, 256)
    for layer in range(5):
        np.testing.assert_allclose(out["hidden_states"][layer][mask], tensors["hidden_states"][layer][mask], atol=2e-4)
    assert not out["last_hidden_state"][~mask].any(), "masked positions must be zero"
    np.testing.assert_array_equal(out["last_hidden_state"], out["hidden_states"][-1])
    np.testing.assert_allclose(out["pooler_output"], tensors["pooler_output"], atol=2e-4)


def test_encode_equals_forward_plus_pooling(encoder, tokenizer):
    batch = tokenizer.encode_batch(TEXTS)
    width = max(len(e) for e in batch)
    ids = np.zeros((len(batch), width), np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(batch):
        ids[i, :len(e)] = e.ids
        mask[i, :len(e)] = 1
    out = encoder.forward(ids, attention_mask=mask, output_hidden_states=True)
    np.testing.assert_allclose(encoder.encode(TEXTS), valid_mean(out["hidden_states"][-2], mask), atol=1e-5)


def test_forward_checks_its_input(encoder):
    with pytest.raises(ValueError, match="attention_mask"):
        encoder.forward(np.ones((2, 5), np.int32), attention_mask=np.ones((2, 4), np.int32))
    with pytest.raises(ValueError):
        encoder.forward(np.full((1, 3), 10 ** 6))  # id outside the vocabulary
    with pytest.raises(ValueError, match="integers"):
        encoder.forward(np.ones((1, 3), np.float32))


def test_pairs_from_marker_or_tuple(encoder):
    a = encoder.encode(["The man went to the store. ||| He bought a gallon of milk."])
    b = encoder.encode([("The man went to the store.", "He bought a gallon of milk.")])
    c = encoder.encode(["The man went to the store. He bought a gallon of milk."])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)  # type ids differ


def test_show_tokens_and_tokenized_input(encoder):
    vectors, tokens = encoder.encode(["Hello world", "unaffable"], show_tokens=True)
    assert tokens == [["[CLS]", "hello", "world", "[SEP]"], ["[CLS]", "una", "##ffa", "##ble", "[SEP]"]]
    pre = encoder.encode([["hello", "world"], ["una", "##ffa", "##ble"]], is_tokenized=True)
    np.testing.assert_allclose(pre, vectors, atol=1e-6)


def test_pooling_none_gives_padded_token_vectors():
    enc = bertcpp.Encoder(pooling_strategy="NONE", pooling_layer=-1)
    v, tokens = enc.encode(["Hello world", "a much longer sentence than the first one"], show_tokens=True)
    longest = max(len(t) for t in tokens)
    assert v.shape == (2, longest, 256) and v.flags["C_CONTIGUOUS"]
    assert not v[0, len(tokens[0]):].any() and np.abs(v[0, :len(tokens[0])]).sum(axis=1).all()
    fixed = bertcpp.Encoder(pooling_strategy="NONE", max_seq_len=25).encode(["Hello world"])
    assert fixed.shape == (1, 25, 256)
    two = bertcpp.Encoder(pooling_strategy="NONE", pooling_layer=[-1, -2]).encode(["Hello world"])
    assert two.shape == (1, 4, 512)  # each token: layer -1 then layer -2
    np.testing.assert_array_equal(two[..., :256], enc.encode(["Hello world"]))


def test_options(encoder):
    v = encoder.encode(TEXTS, normalize=True)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    both = bertcpp.Encoder(pooling_layer=[-1, -2])
    assert both.dim == 512 and both.encode(TEXTS).shape == (4, 512)
    np.testing.assert_allclose(both.encode(TEXTS)[:, 256:], encoder.encode(TEXTS), atol=1e-5)
    mean_max = bertcpp.Encoder(pooling_strategy="REDUCE_MEAN_MAX")
    assert mean_max.encode(TEXTS).shape == (4, 512)
    short = bertcpp.Encoder(max_seq_len=4).encode(["one two three four five six"], show_tokens=True)[1]
    assert short == [["[CLS]", "one", "two", "[SEP]"]]
    assert encoder.config["hidden_size"] == 256 and encoder.config["num_hidden_layers"] == 4
    assert isinstance(encoder.tokenizer, bertcpp.Tokenizer)


def bfloat16_encoder_or_skip(**kwargs):
    try:
        return bertcpp.Encoder(precision="bfloat16", **kwargs)
    except ValueError as e:  # a build for a CPU without AVX512_BF16 says so and refuses
        assert "AVX512_BF16" in str(e)
        pytest.skip("this build has no bfloat16 kernel")


def test_bfloat16_precision_is_close_but_not_float32(encoder):
    with pytest.raises(ValueError, match="float32, bfloat16, int8"):
        bertcpp.Encoder(precision="int4")
    fast = bfloat16_encoder_or_skip()
    assert fast.precision == "bfloat16" and "bfloat16" in repr(fast)
    exact, rounded = encoder.encode(TEXTS), fast.encode(TEXTS)
    assert not np.array_equal(exact, rounded)
    cosine = (exact * rounded).sum(1) / (np.linalg.norm(exact, axis=1) * np.linalg.norm(rounded, axis=1))
    assert cosine.min() > 0.9999, cosine
    np.testing.assert_array_equal(bertcpp.encode(TEXTS, precision="bfloat16"), rounded)


def test_errors_are_python_exceptions(encoder, tmp_path):
    with pytest.raises(ValueError, match="non-empty"):
        encoder.encode([])
    with pytest.raises(ValueError, match="REDUCE_MEAN"):
        bertcpp.Encoder(pooling_strategy="AVERAGE")
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        bertcpp.Encoder(model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="602 tokens, more than max_position_embeddings = 512"):
        bertcpp.Encoder(long_text="error").encode(["word " * 600])
    with pytest.raises(ValueError, match="truncate, error, window"):
        bertcpp.Encoder(long_text="split")
    with pytest.raises(TypeError, match="element 1"):
        encoder.encode(["ok", 3])


def test_heads(encoder, reference):
    _, meta = reference
    expected = iter(meta["mask_top5"])  # one list a [MASK], texts in order
    for text in meta["masked"]:
        for predictions in encoder.fill_mask(text, top_k=5):
            assert [p["token"] for p in predictions] == next(expected), text
    best = encoder.fill_mask("it was the best of times, it was the [MASK] of times", top_k=5)
    assert len(best) == 1 and "worst" in [p["token"] for p in best[0]]
    assert set(best[0][0]) == {"token", "id", "score"} and 0 < best[0][0]["score"] <= 1
    two = encoder.fill_mask("He drank a cup of [MASK] and ate a [MASK].", top_k=3)
    assert len(two) == 2 and all(len(p) == 3 for p in two)
    with pytest.raises(ValueError):
        encoder.fill_mask("no mask here")
    for (a, b), p in zip(meta["pairs"], meta["nsp_prob_isnext"]):
        assert encoder.next_sentence(a, b) == pytest.approx(p, abs=1e-4)


def test_module_level_encode_is_cached():
    v = bertcpp.encode(TEXTS)
    assert v.shape == (4, 256)
    np.testing.assert_array_equal(bertcpp.encode(TEXTS), v)
    assert bertcpp.encode(TEXTS, pooling_strategy="CLS_TOKEN", normalize=True).shape == (4, 256)


def test_progress_callback_and_cancellation(encoder):
    calls = []
    encoder.encode(TEXTS * 8, batch_size=4, progress=lambda done, total: calls.append((done, total)) or True)
    assert calls[-1] == (32, 32) and len(calls) >= 2

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        encoder.encode(TEXTS * 8, batch_size=4, progress=interrupt)
    with pytest.raises(RuntimeError, match="cancelled"):
        encoder.encode(TEXTS * 8, batch_size=4, progress=lambda d, t: False)
    assert encoder.encode(TEXTS).shape == (4, 256)  # still usable


def test_ctrl_c_interrupts_a_long_encode():
    script = ("import bertcpp, sys; e = bertcpp.Encoder(batch_size=8); print('ready', flush=True); "
              "e.encode(['a fairly long sentence about the bank of the river'] * 200000, show_progress_bar=False)")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("encode did not stop on SIGINT")
    assert "KeyboardInterrupt" in err and proc.returncode != 0


def test_import_is_fast_and_loads_no_model():
    script = ("import time; t = time.perf_counter(); import bertcpp; dt = time.perf_counter() - t; "
              "import sys; print(dt, 'tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) < 1.0, "import bertcpp took %s s" % out[0]
    assert out[1] == "False"


def test_bundled_model_is_found_inside_the_package():
    package_models = os.path.join(os.path.dirname(bertcpp.__file__), "models", "bert-mini-uncased")
    assert os.path.isfile(os.path.join(package_models, "model.safetensors"))
    env = {k: v for k, v in os.environ.items() if k != "BERTCPP_MODEL_DIR"}
    out = subprocess.run([sys.executable, "-c", "import bertcpp; print(bertcpp.Encoder().model_dir)"], cwd="/",
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert os.path.samefile(out, package_models)


def test_progress_bar_on_request_only(encoder, capfd):
    encoder.encode(TEXTS * 10, batch_size=4, show_progress_bar=True)
    assert "40/40" in capfd.readouterr().err
    encoder.encode(TEXTS * 10, batch_size=4)  # stderr is not a terminal here: no bar
    assert "40/40" not in capfd.readouterr().err


def test_long_texts_truncate_by_default_and_window_on_request(encoder):
    long_text = "the river bank was quiet today and we walked along " * 500  # 5,000 words
    truncated = encoder.encode([long_text])
    np.testing.assert_allclose(truncated, bertcpp.Encoder(max_seq_len=512).encode([long_text]), atol=1e-6)
    windowed = bertcpp.Encoder(long_text="window", window_overlap=64).encode([long_text, "short"])
    assert windowed.shape == (2, 256) and np.isfinite(windowed).all()
    np.testing.assert_allclose(windowed[1], encoder.encode(["short"])[0], atol=1e-6)
    assert not np.allclose(windowed[0], truncated[0], atol=1e-4)
