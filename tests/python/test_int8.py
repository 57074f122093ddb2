"""precision="int8" from Python and the command line, and the accuracy gate (quantize_check,
`bertcpp quantize-check`) that measures what it costs a model."""
import subprocess
import sys

import numpy as np
import pytest

import bertcpp

TEXTS = ["I love data science", "We went to the bank to fish", "The central bank raised rates.", "A"]

# The bundled model's measured worst cosine (int8 to float32 vectors) is in tests/model/int8_test.cpp;
# this is the same bound.
MIN_COSINE = 0.999


def cosines(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_int8_encoder_is_close_to_float32_but_not_float32(encoder):
    fast = bertcpp.Encoder(precision="int8")
    assert fast.precision == "int8" and "int8" in repr(fast)
    exact, quantized = encoder.encode(TEXTS), fast.encode(TEXTS)
    assert not np.array_equal(exact, quantized)
    assert cosines(exact, quantized).min() > MIN_COSINE
    # Rows are quantized one by one: a text's vector does not depend on its batch or the threads.
    alone = bertcpp.Encoder(precision="int8", threads=1, batch_size=1).encode(TEXTS)
    np.testing.assert_array_equal(alone, quantized)


def test_bad_precisions_name_the_choices():
    with pytest.raises(ValueError, match="float32, bfloat16, int8"):
        bertcpp.Encoder(precision="int4")
    with pytest.raises(TypeError, match="int8"):
        bertcpp.Encoder(precision=8)
    with pytest.raises(ValueError, match="float32"):
        bertcpp.quantize_check(precision="int8")


def test_quantize_check_reports_the_gate():
    report = bertcpp.quantize_check()
    assert report["texts"] == len(report["cosines"]) >= 5
    assert MIN_COSINE < report["cosine_min"] <= report["cosine_mean"] <= 1.0
    assert 0.0 < report["hidden_mean_diff"] <= report["hidden_max_diff"] < 10.0
    assert report["isa"] == bertcpp.cpu_info()["isa"]
    mine = bertcpp.quantize_check(texts=TEXTS, pooling_strategy="CLS_TOKEN")
    assert len(mine["cosines"]) == len(TEXTS) and mine["cosine_min"] > MIN_COSINE


def run(cli_path, *args):
    return subprocess.run([cli_path, *args], capture_output=True, text=True)


def test_cli_int8_and_quantize_check(cli_path, tmp_path):
    (tmp_path / "in.txt").write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    result = run(cli_path, "encode", "--input", str(tmp_path / "in.txt"), "--output", str(tmp_path / "out.npy"),
                 "--precision", "int8")
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), bertcpp.Encoder(precision="int8").encode(TEXTS))

    result = run(cli_path, "quantize-check", "--texts", str(tmp_path / "in.txt"))
    assert result.returncode == 0, result.stderr
    assert "4 texts" in result.stdout and "cosine int8 to float32: min" in result.stdout
    assert "line " in result.stdout  # the lowest texts are named by their line
    (tmp_path / "in.csv").write_text("id,text\n" + "".join("%d,%s\n" % (i, t) for i, t in enumerate(TEXTS)),
                                     encoding="utf-8")
    from_csv = run(cli_path, "quantize-check", "--texts", str(tmp_path / "in.csv"))
    assert from_csv.returncode == 0 and "line " in from_csv.stdout, from_csv.stderr  # where the record starts
    failing = run(cli_path, "quantize-check", "--texts", str(tmp_path / "in.txt"), "--min-cosine", "1")
    assert failing.returncode != 0 and "below --min-cosine" in failing.stderr
    assert run(cli_path, "quantize-check").returncode == 0  # the built-in sample


def test_float_layers_keep_chosen_layers_in_float32(encoder):
    # Every layer in float32: float32's vectors to the bit. One: the report shows that layer exact.
    every = bertcpp.Encoder(precision="int8", float_layers=[0, 1, 2, -1])
    np.testing.assert_array_equal(every.encode(TEXTS), encoder.encode(TEXTS))
    report = bertcpp.quantize_check(texts=TEXTS, float_layers=-4)
    layers = encoder.config["num_hidden_layers"]
    assert report["float_layers"] == [0]
    assert len(report["layer_max_diff"]) == len(report["layer_mean_diff"]) == layers
    assert report["layer_max_diff"][0] == 0.0 and min(report["layer_max_diff"][1:]) > 0.0
    assert report["hidden_max_diff"] == report["layer_max_diff"][-1]
    import pickle
    again = pickle.loads(pickle.dumps(bertcpp.Encoder(precision="int8", float_layers=[1])))
    np.testing.assert_array_equal(again.encode(TEXTS), bertcpp.Encoder(precision="int8", float_layers=[1]).encode(TEXTS))
    with pytest.raises(ValueError, match=r"float_layers: layer 4 is outside \[-4, 3\]"):
        bertcpp.Encoder(precision="int8", float_layers=[4])
    with pytest.raises(TypeError, match="float_layers"):
        bertcpp.Encoder(precision="int8", float_layers=["0"])


def test_cli_quantize_check_names_each_layer_and_the_float_ones(cli_path):
    result = run(cli_path, "quantize-check", "--float-layers", "0,-1")
    assert result.returncode == 0, result.stderr
    assert "each layer's output" in result.stdout
    assert "layer  0          0          0  (float32)" in result.stdout
    assert result.stdout.count("(float32)") == 2


def test_quantize_check_runs_in_the_encoders_batches():
    # Batch by batch, as encode runs: the report does not depend on the batch size, and memory
    # stays one batch's (it held every text's hidden states of every layer at once: 3.5 GB for
    # 5,000 short texts on the bundled model).
    one, many = (bertcpp.quantize_check(texts=TEXTS * 3, batch_size=b) for b in (1, 32))
    assert one["cosines"] == many["cosines"] and one["layer_max_diff"] == many["layer_max_diff"]
    assert one["layer_mean_diff"] == pytest.approx(many["layer_mean_diff"], rel=1e-9)
    script = ("import resource, bertcpp\n"
              "bertcpp.quantize_check(texts=['text %d with words %s' % (i, 'x ' * (i % 50)) for i in range(2000)])\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    peak_mb = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert peak_mb < 600  # was about 1,500


def test_quantize_check_windows_long_texts_as_encode_does():
    long = ["word " * 600]  # 602 tokens: more than the model's 512 positions
    report = bertcpp.quantize_check(texts=long, long_text="window")
    assert report["texts"] == 1 and report["cosine_min"] > MIN_COSINE
    with pytest.raises(ValueError, match="input 0 has 602 tokens"):
        bertcpp.quantize_check(texts=long, long_text="error")


def test_quantize_check_refuses_no_texts_and_reports_identical_vectors_as_one():
    with pytest.raises(ValueError, match="empty"):
        bertcpp.quantize_check(texts=[])  # None is the sample; an empty list is a mistake
    exact = bertcpp.quantize_check(texts=TEXTS, float_layers=[0, 1, 2, 3])
    assert exact["cosines"] == [1.0] * len(TEXTS) and exact["hidden_max_diff"] == 0.0


def test_quantize_check_reports_progress_and_can_be_cancelled():
    seen = []
    bertcpp.quantize_check(texts=TEXTS, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3 * len(TEXTS), 3 * len(TEXTS)) and seen == sorted(seen)
    with pytest.raises(bertcpp.Cancelled):
        bertcpp.quantize_check(texts=TEXTS, progress=lambda done, total: done < 2 * len(TEXTS))


def test_cli_quantize_check_takes_no_precision(cli_path):
    result = run(cli_path, "quantize-check", "--precision", "bfloat16")  # was accepted, and int8 measured
    assert result.returncode != 0 and "--precision" in result.stderr


def test_thread_counts_beyond_any_int_are_a_value_error():
    with pytest.raises(ValueError, match="threads must be"):
        bertcpp.Encoder(threads=10**12)


def test_cli_quantize_check_reads_files_as_encode_does(cli_path, tmp_path):
    (tmp_path / "lab.csv").write_text("label,sentence\n1,good movie\n0,bad movie\n", encoding="utf-8")
    result = run(cli_path, "quantize-check", "--texts", str(tmp_path / "lab.csv"), "--column", "sentence")
    assert result.returncode == 0 and "2 texts" in result.stdout, result.stderr
    # The lowest texts: pairs as the file has them, long ones cut between characters, not inside one.
    (tmp_path / "in.txt").write_text("a" + "é" * 40 + "\nfirst part ||| second part\n", encoding="utf-8")
    result = subprocess.run([cli_path, "quantize-check", "--texts", str(tmp_path / "in.txt")], capture_output=True)
    assert result.returncode == 0, result.stderr
    shown = result.stdout.decode("utf-8")  # strict: a cut inside "é" raises here
    assert "first part ||| second part" in shown and "a" + "é" * 29 + "..." in shown
    # A text it cannot take is named by its line, as encode names it.
    (tmp_path / "long.txt").write_text("short\n" + "word " * 1000 + "\n", encoding="utf-8")
    result = run(cli_path, "quantize-check", "--texts", str(tmp_path / "long.txt"), "--long-text", "error")
    assert result.returncode != 0 and "long.txt: line 2: the text has 1002 tokens" in result.stderr, result.stderr
