"""`bertcpp serve` end to end: every endpoint against the in-process Encoder (same bits), each
error status, authentication, draining on SIGTERM, and BertClient(ip=...)."""
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import threading

import numpy as np
import pytest

import bertcpp
from server_support import Server, check_full_queue_is_503, same_vectors, server_binary, wait_until

TEXTS = ["I love data science", "We went to the bank ||| and sat by the river",
         "a", "The quick brown fox jumps over the lazy dog " * 3, "", "naïve café, 東京 and emoji 🙂"]


@pytest.fixture(scope="module")
def server():
    with Server("--threads", "2") as s:
        yield s


@pytest.fixture(scope="module")
def local():
    return bertcpp.Encoder()


def as_f32(rows):
    return np.asarray(rows, dtype=np.float32)


def error_message(payload):
    return payload["error"]["message"]


# ---- the endpoints, against in-process encode ----

def test_encode_is_bit_identical_to_in_process(server, local):
    status, _, out = server.post("/encode", {"id": 7, "texts": TEXTS})
    assert status == 200 and out["id"] == 7
    assert same_vectors(as_f32(out["result"]), local.encode(TEXTS))


def test_encode_tokenized_and_show_tokens(server, local):
    tokens = [["hello", "world"], ["the", "bank", "|||", "river"]]
    status, _, out = server.post("/encode", {"id": "x", "texts": tokens, "is_tokenized": True, "show_tokens": True})
    assert status == 200 and out["id"] == "x"
    vectors, expected_tokens = local.encode(tokens, is_tokenized=True, show_tokens=True)
    assert same_vectors(as_f32(out["result"]), vectors)
    assert out["tokens"] == expected_tokens


def test_openai_embeddings_strings_ids_base64_dimensions(server, local, tokenizer):
    expected = local.encode(TEXTS[:3])
    status, _, out = server.post("/v1/embeddings", {"input": TEXTS[:3], "model": "m"})
    assert status == 200 and out["object"] == "list" and out["model"] == "m"
    assert [d["index"] for d in out["data"]] == [0, 1, 2]
    assert same_vectors(as_f32([d["embedding"] for d in out["data"]]), expected)
    n_tokens = sum(len(t) for t in local.encode(TEXTS[:3], show_tokens=True)[1])
    assert out["usage"] == {"prompt_tokens": n_tokens, "total_tokens": n_tokens}

    status, _, one = server.post("/v1/embeddings", {"input": TEXTS[0], "encoding_format": "base64"})
    assert status == 200
    decoded = np.frombuffer(base64.b64decode(one["data"][0]["embedding"]), dtype="<f4")
    assert same_vectors(decoded, expected[0])

    plain = [TEXTS[0], TEXTS[3]]
    ids = [list(tokenizer.encode(t).ids) for t in plain]
    status, _, by_ids = server.post("/v1/embeddings", {"input": ids})
    assert status == 200
    assert same_vectors(as_f32([d["embedding"] for d in by_ids["data"]]), local.encode(plain))
    status, _, single = server.post("/v1/embeddings", {"input": ids[0]})
    assert status == 200 and same_vectors(as_f32(single["data"][0]["embedding"]), expected[0])

    status, _, short = server.post("/v1/embeddings", {"input": TEXTS[0], "dimensions": 16})
    assert status == 200 and same_vectors(as_f32(short["data"][0]["embedding"]), expected[0, :16])


def test_tei_embed_and_tokenize(server, local, tokenizer):
    status, _, raw = server.post("/embed", {"inputs": TEXTS, "normalize": False})
    assert status == 200 and same_vectors(as_f32(raw), local.encode(TEXTS))
    status, _, unit = server.post("/embed", {"inputs": "I love data science"})
    expected = local.encode(["I love data science"])
    assert status == 200
    np.testing.assert_allclose(as_f32(unit), expected / np.linalg.norm(expected), rtol=0, atol=1e-6)

    long_text = "word " * 600
    status, _, out = server.post("/embed", {"inputs": long_text})
    assert status == 400 and "more than the model's 512" in error_message(out)
    status, _, out = server.post("/embed", {"inputs": long_text, "truncate": True, "normalize": False})
    assert status == 200
    assert same_vectors(as_f32(out), bertcpp.Encoder(max_seq_len=512).encode([long_text]))

    status, _, toks = server.post("/tokenize", {"inputs": ["Hello, world!"]})
    e = tokenizer.encode("Hello, world!")
    assert status == 200 and [t["id"] for t in toks[0]] == list(e.ids)
    assert [t["text"] for t in toks[0]] == list(e.tokens)
    assert toks[0][0]["special"] and toks[0][0]["start"] is None and not toks[0][1]["special"]


def test_health_info_status_metrics(server, local):
    assert server.get("/health")[:1] == (200,)
    status, _, info = server.get("/info")
    assert status == 200 and info["dim"] == local.dim and info["max_input_length"] == 512
    status, _, st = server.get("/status/server")
    assert status == 200 and st["pooling_strategy"] == "REDUCE_MEAN" and st["pooling_layer"] == [-2]
    assert st["dim"] == local.dim and st["max_seq_len"] is None
    server.post("/encode", {"texts": ["count me"]})
    status, headers, text = server.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert 'bertcpp_requests_total{endpoint="/encode",status="200"}' in text
    for name in ("bertcpp_tokens_total", "bertcpp_queue_duration_seconds_bucket", "bertcpp_batch_compute_seconds_count",
                 "bertcpp_batch_sequences_bucket", "bertcpp_request_duration_seconds_sum"):
        assert name in text
    assert server.metric("bertcpp_tokens_total") > 0


def test_no_classification_head_is_424(server):
    # TEI's answer when the model cannot serve the endpoint; checked before the body.
    for path, body in (("/rerank", {"query": "q", "texts": ["a"]}), ("/predict", {"inputs": "a"}), ("/predict", b"{")):
        status, _, out = server.post(path, body)
        assert status == 424 and "classification head" in error_message(out)


# ---- bad requests ----

@pytest.mark.parametrize("body, status, words", [
    (b'{"texts": ["a"', 400, "not valid JSON"),
    (b'{"texts": ["caf\xe9"]}', 400, "UTF-8"),
    (b'["a"]', 400, "must be a JSON object"),
    (b'{}', 400, "'texts' is missing"),
    (b'{"texts": "abc", "is_tokenized": 1}', 400, "'is_tokenized' must be true or false"),
    (b'{"texts": [1, 2]}', 400, "texts[0]"),
    (b'{"texts": []}', 400, "no inputs"),
])
def test_encode_rejects_bad_bodies(server, body, status, words):
    got, _, out = server.post("/encode", body)
    assert got == status and words in error_message(out), out


@pytest.mark.parametrize("body, words", [
    ({"input": [[101, 999999, 102]]}, "outside the vocabulary"),
    ({"input": {"a": 1}}, "'input' must be"),
    ({"input": "x", "encoding_format": "hex"}, "encoding_format"),
    ({"input": "x", "dimensions": 0}, "'dimensions' = 0 is outside"),
    ({"input": "x", "dimensions": "8"}, "'dimensions' must be an integer"),
    ({"input": [[101, "a"]]}, "integer token ids"),
    # Ids past int32 and int64 are named as sent (they were cast to -1).
    ({"input": [[101, 99999999999, 102]]}, "token 1: id 99999999999 is outside"),
    ({"input": [101, 102, 18446744073709551615]}, "token 2: id 18446744073709551615 is outside"),
])
def test_embeddings_rejects_bad_fields(server, body, words):
    status, _, out = server.post("/v1/embeddings", body)
    assert status == 400 and words in error_message(out), out


def test_deep_nesting_is_400_and_the_server_stays_up(server):
    # 200 KB of nested lists parsed, then overflowed the stack when dumped into the error message.
    deep = b"[" * 100000 + b"]" * 100000
    for path, body in (("/embed", b'{"inputs":' + deep + b"}"), ("/encode", b'{"id":' + deep + b',"texts":["a"]}'),
                       ("/tokenize", b'{"inputs":' + deep + b"}")):
        status, _, out = server.post(path, body)
        assert status == 400 and "deeper than 64 levels" in error_message(out), out
    assert server.get("/health")[0] == 200
    nested_ok = {"id": [[[[1]]]], "texts": ["a"]}  # moderate nesting is still fine
    assert server.post("/encode", nested_ok)[2]["id"] == [[[[1]]]]


def test_unknown_endpoint_is_404_json(server):
    status, _, out = server.get("/nope")
    assert status == 404 and "no endpoint GET /nope" in error_message(out)


def test_limits_413():
    with Server("--threads", "1", "--max-body-bytes", "2000", "--max-inputs", "3", "--max-input-bytes", "100") as s:
        status, _, out = s.post("/encode", {"texts": ["x" * 50] * 50})
        assert status == 413 and "--max-body-bytes = 2000" in error_message(out)
        status, _, out = s.post("/encode", {"texts": ["a", "b", "c", "d"]})
        assert status == 413 and "--max-inputs = 3" in error_message(out)
        status, _, out = s.post("/embed", {"inputs": ["a", "y" * 101]})
        assert status == 413 and "input 1 has 101 bytes" in error_message(out)
        assert s.post("/encode", {"texts": ["a", "b", "c"]})[0] == 200
        # A chunked body has no Content-Length to check up front: counted as it arrives.
        body = json.dumps({"texts": ["x" * 50] * 50}).encode("utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        try:
            conn.request("POST", "/encode", body=(body[i:i + 500] for i in range(0, len(body), 500)),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            res = conn.getresponse()
            assert res.status == 413 and "--max-body-bytes = 2000" in error_message(json.loads(res.read()))
        finally:
            conn.close()


def test_a_second_server_cannot_take_the_same_port(server):
    # With SO_REUSEPORT (the HTTP library's default) both listened and shared the requests.
    second = subprocess.run([server_binary(), "serve", "--host", "127.0.0.1", "--port", str(server.port)],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode != 0 and "cannot listen on 127.0.0.1:%d" % server.port in second.stderr


def test_api_key(tmp_path):
    key = tmp_path / "key"
    key.write_text("s3cret\n")
    with Server("--threads", "1", "--api-key-file", str(key)) as s:
        status, headers, out = s.post("/encode", {"texts": ["a"]})
        assert status == 401 and "Bearer" in error_message(out) and headers["WWW-Authenticate"] == "Bearer"
        status, _, out = s.post("/encode", {"texts": ["a"]}, headers={"Authorization": "Bearer wrong"})
        assert status == 401 and error_message(out) == "wrong API key"
        assert s.get("/metrics", headers={})[0] == 401
        assert s.get("/health", headers={})[0] == 200  # for load balancers
        status, _, out = s.post("/encode", {"texts": ["a"]}, headers={"Authorization": "Bearer s3cret"})
        assert status == 200 and len(out["result"]) == 1
        with pytest.raises(PermissionError, match="401"):
            bertcpp.BertClient(ip="127.0.0.1", port=s.port)
        bc = bertcpp.BertClient(ip="127.0.0.1", port=s.port, api_key="s3cret", check_length=False)
        assert bc.encode(["a"]).shape == (1, 256)


def test_full_queue_is_503_with_retry_after():
    texts = ["a sentence of some length to keep the model busy for a while"] * 200
    check_full_queue_is_503([], "/encode", {"texts": texts})


def test_timeout_is_504():
    with Server("--threads", "1", "--timeout", "0.001", "--max-inputs", "4096") as s:
        status, _, out = s.post("/encode", {"texts": ["a longer sentence to encode here"] * 2000})
        assert status == 504 and "--timeout" in error_message(out)
        assert wait_until(lambda: s.metric("bertcpp_abandoned_total") >= 1)


def test_disconnected_client_frees_its_work():
    with Server("--threads", "1", "--max-inputs", "8192", "--max-body-bytes", "20000000") as s:
        body = ('{"texts": %s}' % (str(["the same long sentence, over and over, to keep one thread busy"] * 6000)
                                   .replace("'", '"'))).encode()
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"POST /encode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                     % len(body) + body)
        # read and waiting for its rows (the /metrics request counts itself)
        assert wait_until(lambda: s.metric("bertcpp_requests_in_flight") >= 2)
        sock.close()
        assert wait_until(lambda: s.metric("bertcpp_abandoned_total") >= 1, timeout=60)
        assert s.post("/encode", {"texts": ["still here"]})[0] == 200


def test_sigterm_drains_in_flight_requests(local):
    s = Server("--threads", "1", "--max-inputs", "4096")
    texts = ["sentence number %d, long enough to take a little while" % i for i in range(1500)]
    result = {}
    t = threading.Thread(target=lambda: result.update(r=s.post("/encode", {"texts": texts})))
    t.start()
    assert wait_until(lambda: s.metric("bertcpp_requests_in_flight") >= 2)
    code, out, err = s.terminate()
    t.join()
    assert code == 0 and "stopped" in out and "finishing the requests in flight" in err
    status, _, payload = result["r"]
    assert status == 200 and same_vectors(as_f32(payload["result"]), local.encode(texts))


def test_sighup_stops_the_server_as_sigterm_does():
    # A closed terminal or ssh session: the same clean stop (the command's own SIGHUP handling
    # must not swallow it and leave the server running).
    s = Server("--threads", "1")
    assert s.post("/encode", {"texts": ["hello"]})[0] == 200
    code, out, _ = s.terminate(sig=signal.SIGHUP)
    assert code == 0 and "stopped" in out


# ---- BertClient over HTTP ----

def test_bert_client_over_http(server, local):
    bc = bertcpp.BertClient(ip="127.0.0.1", port=server.port, check_length=False)
    assert same_vectors(bc.encode(TEXTS[:3]), local.encode(TEXTS[:3]))
    vectors, tokens = bc.encode(["hello world"], show_tokens=True)
    assert tokens == [["[CLS]", "hello", "world", "[SEP]"]]
    batches = [["first batch"], ["second", "batch"]]
    got = list(bc.encode_async(iter(batches), show_tokens=True))
    assert [r.id for r in got] == [3, 4]
    for r, texts in zip(got, batches):
        assert same_vectors(r.embedding, local.encode(texts)) and len(r.tokens) == len(texts)
    bc.encode(["later"], blocking=False)
    assert same_vectors(bc.fetch_all(concat=True), local.encode(["later"]))
    assert bc.server_status["dim"] == local.dim
    with pytest.raises(ValueError, match="has no tokens|no inputs|non-empty"):
        bc.encode([])
    with pytest.raises(ValueError, match="configure an in-process"):
        bertcpp.BertClient(ip="127.0.0.1", port=server.port, max_seq_len=10)


def test_bert_client_unreachable_raises():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nobody listens there now
    with pytest.raises(ConnectionError, match="cannot reach the bertcpp server at http://127.0.0.1:%d" % port):
        bertcpp.BertClient(ip="127.0.0.1", port=port)


def test_bert_client_timeout():
    # A socket that accepts connections (backlog) but never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        with pytest.raises(TimeoutError, match='"timeout"=300 ms'):
            bertcpp.BertClient(ip="127.0.0.1", port=silent.getsockname()[1], timeout=300)
    finally:
        silent.close()


def test_any_content_type_is_read_as_json(server, local):
    # curl -d sends application/x-www-form-urlencoded; a body over 8 KiB must still work
    texts = ["word " * 100] * 20
    body = json.dumps({"texts": texts}).encode()
    assert len(body) > 8192
    status, _, out = server.post("/encode", body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and same_vectors(as_f32(out["result"]), local.encode(texts))
