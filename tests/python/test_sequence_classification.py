"""Cross-encoders / classifiers (../shared/fixtures/sequence_classification, skipped when
absent): predict's logits and scores against transformers' math, labels, rerank's order."""
import json
import os

import numpy as np
import pytest

import bertcpp
from conftest import REPO, read_safetensors

FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "sequence_classification")


def folder(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(os.path.join(path, "config.json")):
        pytest.skip("shared sequence-classification fixtures absent")
    ref, _ = read_safetensors(os.path.join(FIXTURES, name + "_reference.safetensors"))
    with open(os.path.join(FIXTURES, name + "_inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)
    return path, ref, inputs


@pytest.mark.parametrize("name", ["nli-style", "rerank-style"])
def test_predict_gives_transformers_logits_and_scores(name):
    path, ref, inputs = folder(name)
    encoder = bertcpp.Encoder(path)
    assert encoder.labels == inputs["labels"]
    pairs = [tuple(p) for p in inputs["pairs"]]
    logits = encoder.predict(pairs)
    np.testing.assert_allclose(logits, ref["pairs_logits"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(encoder.predict(inputs["singles"]), ref["singles_logits"], atol=1e-4, rtol=0)
    scores = encoder.predict(pairs, apply_activation=True)
    x = ref["pairs_logits"].astype(np.float64)
    expected = 1 / (1 + np.exp(-x)) if x.shape[1] == 1 else np.exp(x) / np.exp(x).sum(1, keepdims=True)
    np.testing.assert_allclose(scores, expected, atol=1e-5)


def test_rerank_orders_documents_by_score():
    path, ref, inputs = folder("rerank-style")
    encoder = bertcpp.Encoder(path)
    query = inputs["pairs"][4][0]
    documents = [p[1] for p in inputs["pairs"][4:8]]
    ranked = encoder.rerank(query, documents)
    expected = np.argsort(-ref["pairs_logits"][4:8, 0], kind="stable")
    assert [r["index"] for r in ranked] == list(expected)
    assert ranked[0]["document"] == documents[expected[0]]
    assert ranked[0]["score"] >= ranked[-1]["score"]
    assert len(encoder.rerank(query, documents, top_k=2)) == 2


def test_rerank_and_predict_report_progress_and_can_be_cancelled():
    path, _, inputs = folder("rerank-style")
    encoder = bertcpp.Encoder(path, batch_size=2)
    query, documents = inputs["pairs"][0][0], [p[1] for p in inputs["pairs"]]
    seen = []
    assert len(encoder.rerank(query, documents, progress=lambda done, total: seen.append((done, total)) or True)) == len(documents)
    assert seen[-1] == (len(documents), len(documents)) and seen == sorted(seen)
    with pytest.raises(bertcpp.Cancelled):
        encoder.rerank(query, documents, progress=lambda done, total: False)
    with pytest.raises(bertcpp.Cancelled):
        encoder.predict(documents, progress=lambda done, total: False)
    for call in (lambda: encoder.rerank(query, documents, progress=1), lambda: encoder.predict(documents, progress="x")):
        with pytest.raises(TypeError, match="progress must be a callable"):
            call()


def test_predict_without_a_classifier_is_a_runtime_error(encoder):
    assert encoder.labels == []
    with pytest.raises(RuntimeError, match="no sequence-classification head"):
        encoder.predict(["a text"])


@pytest.mark.parametrize("name", ["nli-style", "rerank-style"])
def test_predict_does_not_depend_on_the_batch(name):
    # The server batches requests together: a text's logits and scores must be the same bits
    # alone as beside others.
    path, _, inputs = folder(name)
    encoder = bertcpp.Encoder(path)
    texts = inputs["singles"] + [tuple(p) for p in inputs["pairs"]]
    together = encoder.predict(texts)
    scores = encoder.predict(texts, apply_activation=True)
    for i, text in enumerate(texts):
        assert np.array_equal(encoder.predict([text])[0], together[i])
        assert np.array_equal(encoder.predict([text], apply_activation=True)[0], scores[i])
