#!/usr/bin/env python3
"""What `threads` costs in cores: process CPU time / wall time of Encoder.forward and
Encoder.encode at threads=1 and threads=2 (1.0 = one busy core). Run with the project's venv:

    /usr/bin/python3 bench/make_random_model_dir.py /tmp/bert-base-random
    .venv/bin/python bench/threads_cpu_time.py /tmp/bert-base-random
"""
import os
import sys
import time

import numpy as np

import bertcpp


def ratio(fn, repeats=3):
    fn()  # warm-up: loads pages, starts the pool where threads > 1
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else None
    texts = ["The quick brown fox jumps over the lazy dog near the river bank today."] * 64
    ids = np.random.default_rng(0).integers(1000, 2000, size=(8, 128)).astype(np.int32)
    print("kernel variant:", bertcpp.cpu_info()["isa"], "| model:", model_dir or "bundled")
    for threads in (1, 2):
        enc = bertcpp.Encoder(model_dir=model_dir, threads=threads)
        print("threads=%d  forward 8x128: CPU/wall %.2f   encode 64 texts: CPU/wall %.2f" % (
            threads, ratio(lambda: enc.forward(ids)), ratio(lambda: enc.encode(texts))))


if __name__ == "__main__":
    main()
