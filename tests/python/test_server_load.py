"""A bounded load test of `bertcpp serve`: 2,000 requests from 32 client threads, 1 to 16 texts
each, some malformed, some dropped mid-request. Every good answer must be the in-process
vectors bit for bit, the server must stay up, and its memory must come back to where it was."""
import json
import os
import random
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import bertcpp
from server_support import Server, same_vectors, wait_until

REQUESTS, CLIENTS, WARMUP = 2000, 32, 300
# ASan's quarantine and TSan's shadow memory and history grow with the run on purpose: the RSS
# bound is for real builds (scripts/sanitize.sh turns it off under both sanitizers).
CHECK_RSS = os.environ.get("BERTCPP_SERVER_CHECK_RSS", "1") != "0"


def make_pool(n=96, seed=5):
    rng = random.Random(seed)
    words = ("the market data model river bank sentence vector quick fox lazy dog great again people "
             "tremendous news fake science love encode server client batch token").split()
    return [" ".join(rng.choice(words) for _ in range(rng.choice([1, 3, 8, 20, 60]))) for _ in range(n)]


def drop_mid_request(port, body, rng):
    """Sends part (or all) of a request, then hangs up without reading the answer."""
    head = (b"POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        data = head + body
        sock.sendall(data[:rng.randrange(1, len(data) + 1)])


@pytest.fixture(scope="module")
def pool():
    texts = make_pool()
    return texts, bertcpp.Encoder().encode(texts)


def run_load(server, texts, vectors, count, seed):
    rng_master = random.Random(seed)
    plans = []
    for i in range(count):
        kind = rng_master.random()
        size = rng_master.choice([1, 1, 2, 4, 8, 16])
        idx = [rng_master.randrange(len(texts)) for _ in range(size)]
        plans.append(("malformed" if kind < 0.05 else "dropped" if kind < 0.08 else "good", idx, i))

    def one(plan):
        kind, idx, i = plan
        rng = random.Random(i)
        body = json.dumps({"id": i, "texts": [texts[j] for j in idx]}).encode()
        if kind == "dropped":
            drop_mid_request(server.port, body, rng)
            return kind, None
        if kind == "malformed":
            body = body[: rng.randrange(1, len(body))]  # cut: not JSON any more
        status, _, out = server.post("/encode", body)
        if kind == "malformed":
            return kind, status == 400 and "not valid JSON" in out["error"]["message"]
        return kind, status == 200 and out["id"] == i and same_vectors(np.asarray(out["result"], np.float32), vectors[idx])

    with ThreadPoolExecutor(CLIENTS) as clients:
        results = list(clients.map(one, plans))
    return results


def test_load_answers_correct_and_memory_returns(pool):
    texts, vectors = pool
    with Server("--threads", "2") as server:
        run_load(server, texts, vectors, WARMUP, seed=1)  # allocator pools and thread stacks settle
        time.sleep(1.5)  # the server returns freed memory once idle (0.5 s)
        start_rss = server.rss_kib()
        results = run_load(server, texts, vectors, REQUESTS, seed=2)
        bad = [r for r in results if r[0] != "dropped" and not r[1]]
        assert not bad, "%d of %d answers wrong or failed" % (len(bad), len(results))
        assert sum(r[0] == "good" for r in results) > 0.85 * REQUESTS
        assert server.proc.poll() is None and server.get("/health")[0] == 200
        if CHECK_RSS:
            assert wait_until(lambda: server.rss_kib() <= 1.10 * start_rss, timeout=10), \
                "RSS grew from %d to %d KiB" % (start_rss, server.rss_kib())
        # the server still answers correctly after the storm
        status, _, out = server.post("/encode", {"texts": texts[:3]})
        assert status == 200 and same_vectors(np.asarray(out["result"], np.float32), vectors[:3])
