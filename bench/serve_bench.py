#!/usr/bin/env python3
"""`bertcpp serve` under concurrent clients, next to in-process encode of the same texts.

    .venv/bin/python bench/serve_bench.py                 # starts build/src/cli/bertcpp serve itself
    .venv/bin/python bench/serve_bench.py --requests 200 --threads 2
    .venv/bin/python bench/serve_bench.py --url http://127.0.0.1:8125   # a server already running

For 1, 8 and 32 concurrent clients sending 1 and 16 tweets a request (POST /v1/embeddings,
base64 answers, one keep-alive connection a client), prints requests/s, tokens/s, p50/p99
latency, and the in-process tokens/s of bertcpp.Encoder.encode on all of that scenario's texts
in one call (best of three), with the same model and thread count, measured in the same run.
"""
import argparse
import csv
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tweets(limit):
    with open(os.path.join(REPO, "data", "trump_tweets.csv"), newline="", encoding="utf-8") as f:
        out = [row["text"] for row in csv.DictReader(f) if row["text"].strip()]
    return out[:limit]


def start_server(binary, threads, extra):
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", str(threads)] + extra,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        sys.exit("the server did not start: %r" % line)
    return proc, line.strip().rsplit(" ", 1)[1]


def run_clients(url, batches, clients):
    """Sends every batch once, spread over `clients` threads; (seconds, latencies, tokens)."""
    parsed = urllib.parse.urlparse(url)
    latencies, tokens, lock = [], [0], threading.Lock()
    next_index = [0]

    def client():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(batches):
                break
            body = json.dumps({"input": batches[i], "encoding_format": "base64"})
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/embeddings", body, {"Content-Type": "application/json"})
                res = conn.getresponse()
                payload = res.read()
            except (http.client.HTTPException, OSError):  # the server closed an idle keep-alive: reconnect
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
                conn.request("POST", "/v1/embeddings", body, {"Content-Type": "application/json"})
                res = conn.getresponse()
                payload = res.read()
            elapsed = time.perf_counter() - t0
            if res.status != 200:
                raise RuntimeError("HTTP %d: %s" % (res.status, payload[:200]))
            used = json.loads(payload)["usage"]["total_tokens"]
            with lock:
                latencies.append(elapsed)
                tokens[0] += used
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, tokens[0]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "src", "cli", "bertcpp"))
    ap.add_argument("--threads", type=int, default=2, help="compute threads, server and in-process alike")
    ap.add_argument("--requests", type=int, default=400, help="requests a scenario")
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--sentences", default="1,16")
    args = ap.parse_args()

    import bertcpp  # the installed package (run with the venv's python)

    proc = None
    url = args.url
    if not url:
        proc, url = start_server(args.binary, args.threads, ["--max-queue", "1024"])
    try:
        encoder = bertcpp.Encoder(threads=args.threads)
        pool = tweets(args.requests * 16)
        print("bertcpp serve at %s, %d compute threads, %d requests a row; tweets from data/trump_tweets.csv"
              % (url, args.threads, args.requests))
        print("%8s %9s %10s %11s %9s %9s %16s %8s" % ("clients", "sentences", "requests/s", "tokens/s", "p50 ms",
                                                       "p99 ms", "in-process tok/s", "ratio"))
        run_clients(url, [pool[:4]] * 20, 4)  # warm-up: connections, model pages, allocator
        for per_request in [int(s) for s in args.sentences.split(",")]:
            texts = pool[:args.requests * per_request]
            batches = [texts[i:i + per_request] for i in range(0, len(texts), per_request)]
            local_seconds = []
            for _ in range(3):  # best of three: the machine may be shared
                t0 = time.perf_counter()
                _, tokens = encoder.encode(texts, show_tokens=True)
                local_seconds.append(time.perf_counter() - t0)
            local_rate = sum(len(t) for t in tokens) / min(local_seconds)
            for clients in [int(c) for c in args.clients.split(",")]:
                seconds, latencies, n_tokens = run_clients(url, batches, clients)
                rate = n_tokens / seconds
                print("%8d %9d %10.1f %11.0f %9.1f %9.1f %16.0f %7.0f%%" % (
                    clients, per_request, len(batches) / seconds, rate, 1000 * statistics.median(latencies),
                    1000 * percentile(latencies, 0.99), local_rate, 100 * rate / local_rate))
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
