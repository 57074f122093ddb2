"""The kernel variant: cpu_info(), BERTCPP_CPU_ISA, and the same vectors on every variant this
CPU can run (each in its own process: the variant is chosen once per process)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import bertcpp

from conftest import MODEL_DIR

ALL_VARIANTS = ["generic", "avx2", "avx512", "avx512_bf16", "neon"]


def run(code, isa=None, timeout=300):
    env = dict(os.environ)
    env.pop("BERTCPP_CPU_ISA", None)
    if isa is not None:
        env["BERTCPP_CPU_ISA"] = isa
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


def test_cpu_info_names_the_variant_in_use_and_what_the_cpu_runs():
    info = bertcpp.cpu_info()
    assert set(info) >= {"isa", "supported", "precisions", "features"}
    assert info["supported"][0] == "generic"
    assert set(info["supported"]) <= set(ALL_VARIANTS)
    assert info["isa"] in info["supported"]
    assert "float32" in info["precisions"]
    assert ("bfloat16" in info["precisions"]) == (info["isa"] == "avx512_bf16")
    if not os.environ.get("BERTCPP_CPU_ISA"):
        assert info["isa"] == info["supported"][-1]  # the best one by default


ENCODE = """
import json, sys, numpy as np, bertcpp
enc = bertcpp.Encoder(model_dir=%r)
v = enc.encode(["I love data science", "He went to the bank to fish", "a ||| b"])
b = bertcpp.Encoder(model_dir=%r, precision="bfloat16").encode(["I love data science"])
print(json.dumps({"isa": bertcpp.cpu_info()["isa"], "v": v.tolist(), "b": b.tolist()}))
""" % (MODEL_DIR, MODEL_DIR)


@pytest.mark.parametrize("isa", ALL_VARIANTS)
def test_every_variant_gives_the_default_variants_vectors(isa):
    if isa not in bertcpp.cpu_info()["supported"]:
        pytest.skip("this CPU cannot run " + isa)
    out = run(ENCODE, isa)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["isa"] == isa
    default = run(ENCODE)
    assert default.returncode == 0, default.stderr
    theirs = json.loads(default.stdout)
    np.testing.assert_allclose(np.array(got["v"]), np.array(theirs["v"]), atol=1e-5)
    # bfloat16 on every variant: in hardware or with widened weights, close to float32 either way.
    f32, b16 = np.array(got["v"][0]), np.array(got["b"][0])
    assert f32 @ b16 / np.linalg.norm(f32) / np.linalg.norm(b16) > 0.999


def test_a_variant_the_cpu_cannot_run_is_a_clear_error():
    supported = bertcpp.cpu_info()["supported"]
    missing = [v for v in ALL_VARIANTS if v not in supported]
    if not missing:
        pytest.skip("this CPU runs every variant")
    out = run("import bertcpp; bertcpp.Encoder().encode(['hi'])", missing[0])
    assert out.returncode != 0
    assert "BERTCPP_CPU_ISA=" + missing[0] in out.stderr and "generic" in out.stderr, out.stderr


def test_an_unknown_variant_name_is_a_clear_error():
    out = run("import bertcpp; bertcpp.cpu_info()", "sse9")
    assert out.returncode != 0
    assert "ValueError" in out.stderr and "BERTCPP_CPU_ISA=sse9" in out.stderr and "avx2" in out.stderr


THREADS = """
import os, numpy as np, bertcpp
def threads():
    return len(os.listdir("/proc/self/task"))
enc = bertcpp.Encoder(model_dir=%r, threads=1)
before = threads()
enc.encode(["one text", "and another, a little longer than the first"] * 20)
ids = np.array([[101, 7592, 2088, 102]], dtype=np.int32)
enc.forward(ids, output_hidden_states=True)
enc.fill_mask("He drank a cup of [MASK].")
print(before, threads())
""" % MODEL_DIR


def test_one_thread_means_no_other_thread_is_started():
    out = run(THREADS)
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    assert after == before, "threads=1 started %d thread(s)" % (after - before)


# Every call of an Encoder made with threads=1 runs on the calling thread alone: no other
# thread of the process gains CPU time (read per thread from /proc, so a busy machine cannot
# hide or fake it). Covers what goes through the model directly, not only encode.
ONE_CORE = """
import os, time, numpy as np, bertcpp
def ticks():
    out = {}
    for tid in os.listdir("/proc/self/task"):
        with open("/proc/self/task/%%s/stat" %% tid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out[tid] = int(fields[11]) + int(fields[12])  # utime + stime
    return out
enc = bertcpp.Encoder(model_dir=%r, threads=1)
ids = np.random.default_rng(0).integers(1000, 2000, size=(16, 128)).astype(np.int32)
calls = {
    "forward": lambda: enc.forward(ids, output_hidden_states=True),
    "encode": lambda: enc.encode(["a sentence of a few words, said twice over"] * 64),
    "fill_mask": lambda: enc.fill_mask(" ".join(["word"] * 200) + " [MASK]."),
    "next_sentence": lambda: enc.next_sentence(" ".join(["one"] * 200), " ".join(["two"] * 200)),
}
main = str(os.getpid())  # the main thread's task id is the pid
for name, call in calls.items():
    call()
    before, start = ticks(), time.monotonic()
    while time.monotonic() - start < 0.6:
        call()
    after = ticks()
    others = sum(after[t] - before.get(t, 0) for t in after if t != main)
    print(name, after[main] - before[main], others)
""" % MODEL_DIR


def test_one_thread_means_one_busy_core_for_every_call():
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: nothing else could run")
    out = run(ONE_CORE)
    assert out.returncode == 0, out.stderr
    for line in out.stdout.split("\n"):
        if line:
            name, main, others = line.split()
            assert int(others) <= max(2, int(main) // 20), "%s with threads=1: other threads used %s ticks, the caller %s" % (
                name, others, main)
