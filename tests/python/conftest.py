"""Shared fixtures for the Python tests. Run from the repository root:
    .venv/bin/python -m pytest tests/python -q
They test the installed package (scripts/setup.sh puts it into .venv)."""
import json
import os
import struct
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_DATA = os.path.join(REPO, "tests", "data")
MODEL_DIR = os.path.join(REPO, "models", "bert-mini-uncased")
TWEETS_CSV = os.path.join(REPO, "data", "trump_tweets.csv")


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file, with numpy only."""
    with open(path, "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        data = f.read()
    dtypes = {"F32": np.float32, "I32": np.int32, "I64": np.int64, "F16": np.float16}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    meta = header.get("__metadata__", {})
    return tensors, json.loads(meta["json"]) if "json" in meta else meta


@pytest.fixture(scope="session")
def reference():
    return read_safetensors(os.path.join(TEST_DATA, "reference", "mini_reference_public.safetensors"))


@pytest.fixture(scope="session")
def encoder():
    import bertcpp
    return bertcpp.Encoder()


@pytest.fixture(scope="session")
def tokenizer():
    import bertcpp
    return bertcpp.Tokenizer(os.path.join(MODEL_DIR, "vocab.txt"))


@pytest.fixture(scope="session")
def cli_path():
    """The bertcpp command installed beside this interpreter (C++ binary or console script)."""
    path = os.path.join(os.path.dirname(sys.executable), "bertcpp")
    if not os.path.exists(path):
        pytest.fail("no bertcpp command next to %s: run scripts/setup.sh" % sys.executable)
    return path


@pytest.fixture(scope="session")
def build_dir():
    """The CMake build of scripts/setup.sh ($BUILD_DIR, default build/)."""
    path = os.path.join(REPO, os.environ.get("BUILD_DIR", "build"))
    if not os.path.exists(os.path.join(path, "CMakeCache.txt")):
        pytest.fail("no CMake build in %s: run scripts/setup.sh" % path)
    return path
