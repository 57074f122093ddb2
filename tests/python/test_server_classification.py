"""`bertcpp serve` with a sequence-classification model (../shared/fixtures/sequence_classification,
skipped when absent): text-embeddings-inference's /rerank and /predict against the in-process
Encoder.predict / Encoder.rerank (same bits), their errors and their metrics."""
import json
import os
import threading

import numpy as np
import pytest

import bertcpp
from conftest import REPO
from server_support import Server, check_full_queue_is_503, same_vectors

FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "sequence_classification")


def fixture(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(os.path.join(path, "config.json")):
        pytest.skip("shared sequence-classification fixtures absent")
    with open(os.path.join(FIXTURES, name + "_inputs.json"), encoding="utf-8") as f:
        return path, json.load(f)


@pytest.fixture(scope="module")
def reranker():
    path, inputs = fixture("rerank-style")
    with Server("--model", path, "--threads", "2") as s:
        yield s, bertcpp.Encoder(path), inputs


@pytest.fixture(scope="module")
def nli():
    path, inputs = fixture("nli-style")
    with Server("--model", path, "--threads", "2", "--max-inputs", "8") as s:
        yield s, bertcpp.Encoder(path), inputs


def error_message(payload):
    return payload["error"]["message"]


def f32(values):
    return np.asarray(values, dtype=np.float32)


# ---- /rerank ----

def test_rerank_equals_in_process_rerank(reranker):
    server, local, inputs = reranker
    query = inputs["pairs"][4][0]
    texts = [p[1] for p in inputs["pairs"][4:8]]
    status, _, out = server.post("/rerank", {"query": query, "texts": texts})
    assert status == 200
    expected = local.rerank(query, texts)
    assert [r["index"] for r in out] == [r["index"] for r in expected]
    assert same_vectors(f32([r["score"] for r in out]), f32([r["score"] for r in expected]))
    assert all("text" not in r for r in out)


def test_rerank_raw_scores_and_return_text(reranker):
    server, local, inputs = reranker
    query = inputs["pairs"][4][0]
    texts = [p[1] for p in inputs["pairs"][4:8]]
    status, _, out = server.post("/rerank", {"query": query, "texts": texts, "raw_scores": True, "return_text": True})
    assert status == 200
    logits = local.predict([(query, t) for t in texts])[:, 0]
    assert [r["index"] for r in out] == list(np.argsort(-logits, kind="stable"))
    assert same_vectors(f32([r["score"] for r in out]), logits[[r["index"] for r in out]])
    assert [r["text"] for r in out] == [texts[r["index"]] for r in out]


def test_rerank_long_text_needs_truncate(reranker):
    server, local, _ = reranker
    long_text = "word " * 600
    status, _, out = server.post("/rerank", {"query": "q", "texts": ["short", long_text]})
    assert status == 400 and "tokens" in error_message(out)
    status, _, out = server.post("/rerank", {"query": "q", "texts": ["short", long_text], "truncate": True})
    assert status == 200
    expected = local.rerank("q", ["short", long_text])
    assert [r["index"] for r in out] == [r["index"] for r in expected]
    assert same_vectors(f32([r["score"] for r in out]), f32([r["score"] for r in expected]))


@pytest.mark.parametrize("body, words", [
    ({"texts": ["a"]}, "'query' is missing"),
    ({"query": 3, "texts": ["a"]}, "'query' must be a string"),
    ({"query": "q"}, "'texts' is missing"),
    ({"query": "q", "texts": [1]}, "texts[0]"),
    ({"query": "q", "texts": []}, "no inputs"),
    ({"query": "q", "texts": ["a"], "raw_scores": "yes"}, "'raw_scores'"),
])
def test_rerank_rejects_bad_bodies(reranker, body, words):
    status, _, out = reranker[0].post("/rerank", body)
    assert status == 400 and words in error_message(out)


# ---- /predict ----

def test_predict_single_pair_and_batch_equal_in_process(nli):
    server, local, inputs = nli
    labels = local.labels

    def check(answer, text):
        scores = local.predict([text], apply_activation=True)[0]
        order = np.argsort(-scores, kind="stable")
        assert [a["label"] for a in answer] == [labels[i] for i in order]
        assert same_vectors(f32([a["score"] for a in answer]), scores[order])

    single = inputs["singles"][0]
    status, _, out = server.post("/predict", {"inputs": single})
    assert status == 200 and len(out) == len(labels)
    check(out, single)

    pair = inputs["pairs"][0]
    status, _, out = server.post("/predict", {"inputs": pair})
    assert status == 200 and isinstance(out[0], dict)
    check(out, tuple(pair))

    batch = [inputs["singles"][1], inputs["pairs"][1], [inputs["singles"][2]]]
    status, _, out = server.post("/predict", {"inputs": batch})
    assert status == 200 and len(out) == 3
    for answer, text in zip(out, [batch[0], tuple(batch[1]), batch[2][0]]):
        check(answer, text)


def test_predict_raw_scores_are_the_logits(nli):
    server, local, inputs = nli
    texts = inputs["singles"][:4]
    status, _, out = server.post("/predict", {"inputs": texts, "raw_scores": True})
    assert status == 200
    logits = local.predict(texts)
    for answer, row in zip(out, logits):
        by_label = {a["label"]: a["score"] for a in answer}
        assert same_vectors(f32([by_label[l] for l in local.labels]), row)


def test_predict_from_many_clients_at_once_is_unchanged(nli):
    # Requests batched together by the server give what each gives alone.
    server, local, inputs = nli
    texts = inputs["singles"] + [p[0] for p in inputs["pairs"]]
    expected = local.predict(texts)
    results = [None] * len(texts)

    def send(i):
        results[i] = server.post("/predict", {"inputs": [texts[i]], "raw_scores": True})
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (status, _, out), row in zip(results, expected):
        assert status == 200
        by_label = {a["label"]: a["score"] for a in out[0]}
        assert same_vectors(f32([by_label[l] for l in local.labels]), row)


@pytest.mark.parametrize("body, status, words", [
    ({}, 400, "'inputs' is missing"),
    ({"inputs": 3}, 400, "'inputs' must be"),
    ({"inputs": ["a", 3, "c"]}, 400, "inputs[1]"),
    ({"inputs": [["a", "b", "c"]]}, 400, "inputs[0]"),
    ({"inputs": []}, 400, "no inputs"),
    ({"inputs": ["t"] * 9}, 413, "--max-inputs = 8"),
])
def test_predict_rejects_bad_bodies(nli, body, status, words):
    got, _, out = nli[0].post("/predict", body)
    assert got == status and words in error_message(out)


def test_info_and_metrics_count_the_new_endpoints(nli):
    server, local, _ = nli
    status, _, info = server.get("/info")
    assert status == 200 and info["model_type"]["classifier"]["id2label"] == {str(i): l for i, l in enumerate(local.labels)}
    assert server.post("/predict", {"inputs": "count me"})[0] == 200
    assert server.post("/rerank", {"query": "q", "texts": ["count me"]})[0] == 200
    assert server.post("/predict", {})[0] == 400
    status, _, text = server.get("/metrics")
    assert status == 200
    for line in ('bertcpp_requests_total{endpoint="/predict",status="200"}',
                 'bertcpp_requests_total{endpoint="/rerank",status="200"}',
                 'bertcpp_requests_total{endpoint="/predict",status="400"}'):
        assert line in text


def test_full_queue_is_503_for_rerank():
    path, _ = fixture("rerank-style")
    texts = ["a document of some length to keep the model busy for a while"] * 200
    check_full_queue_is_503(["--model", path], "/rerank", {"query": "a query", "texts": texts})


def test_embedding_endpoints_still_work_on_a_classifier(nli):
    server, local, _ = nli
    status, _, out = server.post("/embed", {"inputs": ["a text"], "normalize": False})
    assert status == 200 and same_vectors(f32(out), local.encode(["a text"]))
