#!/usr/bin/env python3
"""Embed a corpus on a Dask cluster: one bertcpp Encoder per worker, partitions streamed
through it, one .npy shard (with its row ids) per partition, restartable.

    .venv/bin/python examples/dask_embed.py data/trump_tweets.csv out/ --column text
    .venv/bin/python examples/dask_embed.py corpus.txt out/ --workers 4 --threads-per-worker 2
    .venv/bin/python examples/dask_embed.py corpus.csv out/ --scheduler tcp://10.0.0.1:8786

Input: .txt (one text a line), .csv (--column), or .parquet (--column; needs pyarrow).
Output, per partition of --partition-rows rows, in input order:
    OUT/part-00000.ids.npy   int64 row numbers (0-based, in the input)
    OUT/part-00000.npy       float32 [rows, dim] embeddings
Each shard is written to a temporary name and renamed, vectors last, so a partition with
both files is finished: a rerun (after a worker or the whole job died) skips it. Load the
result with load_shards(OUT) -> (ids, vectors).

Without --scheduler a LocalCluster of --workers processes starts on 127.0.0.1. With it, the
workers of that cluster must have bertcpp installed and see the input file and OUT at the same
paths (a shared filesystem), as for any Dask file job.
"""
import argparse
import glob
import os
import sys
import time

import numpy as np

SHARD = "part-%05d"


class EncoderPlugin(object):
    """Loads one bertcpp.Encoder when a worker starts; every task on that worker reuses it."""
    name = "bertcpp-encoder"

    def __init__(self, **options):
        self.options = options
        self.encoder = None

    def setup(self, worker):
        import bertcpp
        self.encoder = bertcpp.Encoder(**self.options)

    def teardown(self, worker):
        self.encoder = None


def embed_partition(index, first_row, texts, out_dir):
    """Runs on a worker: embeds one partition with the worker's Encoder, writes its shard."""
    from distributed import get_worker
    encoder = get_worker().plugins[EncoderPlugin.name].encoder
    vectors = encoder.encode(list(texts), show_progress_bar=False)
    base = os.path.join(out_dir, SHARD % index)
    ids = np.arange(first_row, first_row + len(texts), dtype=np.int64)
    for path, array in ((base + ".ids.npy", ids), (base + ".npy", vectors)):  # vectors last: the commit
        tmp = path + ".tmp-%d" % os.getpid()
        with open(tmp, "wb") as f:
            np.save(f, array)
        os.replace(tmp, path)
    return index, len(texts)


def is_done(out_dir, index):
    base = os.path.join(out_dir, SHARD % index)
    return os.path.exists(base + ".npy") and os.path.exists(base + ".ids.npy")


def read_partitions(path, column, rows):
    """Yields (index, first_row, texts) in input order, reading `rows` texts at a time."""
    lower = path.lower()
    if lower.endswith(".txt"):
        with open(path, encoding="utf-8", errors="replace") as f:
            batch, index = [], 0
            for line in f:
                batch.append(line.rstrip("\n"))
                if len(batch) == rows:
                    yield index, index * rows, batch
                    batch, index = [], index + 1
            if batch:
                yield index, index * rows, batch
        return
    import pandas as pd
    if lower.endswith(".csv"):
        chunks = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False, chunksize=rows)
    elif lower.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            sys.exit("%s: reading Parquet needs pyarrow (Debian: python3-pyarrow)" % path)
        chunks = (b.to_pandas() for b in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=[column]))
    else:
        sys.exit("%s: expected a .txt, .csv or .parquet file" % path)
    for index, chunk in enumerate(chunks):
        if column not in chunk:
            sys.exit("%s: no column %r" % (path, column))
        yield index, index * rows, chunk[column].fillna("").astype(str).tolist()


def load_shards(out_dir):
    """(ids, vectors) of every shard in OUT, in partition order."""
    parts = sorted(p for p in glob.glob(os.path.join(out_dir, "part-*.npy")) if not p.endswith(".ids.npy"))
    if not parts:
        raise FileNotFoundError("%s: no shards" % out_dir)
    ids = np.concatenate([np.load(p[:-4] + ".ids.npy") for p in parts])
    vectors = np.concatenate([np.load(p) for p in parts])
    return ids, vectors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("out_dir")
    ap.add_argument("--column", default="text", help="text column of a .csv or .parquet input")
    ap.add_argument("--partition-rows", type=int, default=2000, help="texts a partition (a task, a shard)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--threads-per-worker", type=int, default=1, help="compute threads of each worker's Encoder")
    ap.add_argument("--model", help="model directory (default: the bundled bert-mini-uncased)")
    ap.add_argument("--pooling", default="REDUCE_MEAN")
    ap.add_argument("--layer", type=int, default=-2)
    ap.add_argument("--max-seq-len", type=int)
    args = ap.parse_args(argv)
    if args.partition_rows < 1:
        ap.error("--partition-rows must be at least 1")

    from distributed import Client, LocalCluster, as_completed
    os.makedirs(args.out_dir, exist_ok=True)
    if args.scheduler:
        cluster, client = None, Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        client.register_worker_plugin(EncoderPlugin(
            model_dir=args.model, pooling_strategy=args.pooling, pooling_layer=args.layer,
            max_seq_len=args.max_seq_len, threads=args.threads_per_worker), name=EncoderPlugin.name)
        workers = max(1, len(client.scheduler_info()["workers"]))
        start, done_rows, skipped = time.perf_counter(), 0, 0
        pending = as_completed()
        in_flight = 0
        for index, first_row, texts in read_partitions(args.input, args.column, args.partition_rows):
            if is_done(args.out_dir, index):
                skipped += 1
                continue
            # A few partitions a worker in flight: the input streams, it is never all in memory.
            while in_flight >= 2 * workers:
                done_rows += next(pending).result()[1]
                in_flight -= 1
            pending.add(client.submit(embed_partition, index, first_row, texts, args.out_dir,
                                      key="embed-%s-%05d" % (os.path.basename(args.out_dir.rstrip("/")), index)))
            in_flight += 1
        for future in pending:
            done_rows += future.result()[1]
        seconds = time.perf_counter() - start
        print("dask_embed: %d rows embedded in %.1f s (%.0f rows/s) on %d workers; %d finished partitions skipped"
              % (done_rows, seconds, done_rows / seconds if seconds > 0 else 0, workers, skipped))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
