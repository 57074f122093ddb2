"""examples/dask_embed.py on a 2-worker LocalCluster over a slice of the bundled tweets: the
shards equal in-process embeddings row for row, and a rerun redoes only a missing partition."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import bertcpp

pytest.importorskip("distributed")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "examples", "dask_embed.py")


def load_example():
    spec = importlib.util.spec_from_file_location("dask_embed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(csv, out):
    result = subprocess.run([sys.executable, SCRIPT, str(csv), str(out), "--column", "text", "--workers", "2",
                             "--partition-rows", "64"], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_two_workers_equal_in_process_and_restart(tmp_path):
    import pandas as pd
    tweets = pd.read_csv(os.path.join(REPO, "data", "trump_tweets.csv"), dtype=str, keep_default_na=False)
    part = tweets.iloc[:300]
    csv = tmp_path / "tweets.csv"
    part.to_csv(csv, index=False)
    out = tmp_path / "out"

    assert "300 rows embedded" in run(csv, out)
    ids, vectors = load_example().load_shards(str(out))
    expected = bertcpp.Encoder().encode(part["text"].tolist())
    assert np.array_equal(ids, np.arange(300))
    assert np.array_equal(vectors, expected)

    # A partition lost (say its worker died mid-write): only it is done again.
    kept = out / "part-00000.npy"
    before = kept.stat().st_mtime_ns
    os.remove(out / "part-00002.npy")
    log = run(csv, out)
    assert "64 rows embedded" in log and "4 finished partitions skipped" in log
    assert kept.stat().st_mtime_ns == before
    ids, vectors = load_example().load_shards(str(out))
    assert np.array_equal(ids, np.arange(300)) and np.array_equal(vectors, expected)
