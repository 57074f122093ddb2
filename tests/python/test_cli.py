"""The bertcpp command: encode (txt, csv, jsonl -> npy, jsonl), tokenize, fill-mask, info."""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import bertcpp
from conftest import MODEL_DIR, TWEETS_CSV


def run(cli_path, *args, check=True):
    result = subprocess.run([cli_path, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail("bertcpp %s failed (%d): %s" % (" ".join(args), result.returncode, result.stderr))
    return result


def test_help_everywhere(cli_path):
    assert "encode" in run(cli_path, "--help").stdout
    for command in ("encode", "tokenize", "fill-mask", "info"):
        out = run(cli_path, command, "--help").stdout
        assert "--model" in out, command
    assert run(cli_path, check=False).returncode != 0  # a subcommand is required


def test_encode_txt_to_npy_matches_encoder(cli_path, tmp_path, encoder):
    texts = ["I love data science", "", "We went to the river bank.", "first ||| second"] * 5
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    result = run(cli_path, "encode", "--input", str(tmp_path / "in.txt"), "--output", str(tmp_path / "out.npy"),
                 "--chunk-size", "3")
    assert "20 texts" in result.stderr
    got = np.load(tmp_path / "out.npy")
    assert got.shape == (20, 256) and got.dtype == np.float32
    np.testing.assert_allclose(got, encoder.encode(texts), atol=1e-5)


def test_encode_in_bfloat16_matches_the_bfloat16_encoder(cli_path, tmp_path):
    texts = ["I love data science", "We went to the river bank."]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    bad = run(cli_path, "encode", "--input", str(tmp_path / "in.txt"), "--output", str(tmp_path / "x.npy"),
              "--precision", "int4", check=False)
    assert bad.returncode != 0 and "precision" in bad.stderr
    result = run(cli_path, "encode", "--input", str(tmp_path / "in.txt"), "--output", str(tmp_path / "out.npy"),
                 "--precision", "bfloat16", check=False)
    if result.returncode != 0:
        assert "AVX512_BF16" in result.stderr, result.stderr
        pytest.skip("this build has no bfloat16 kernel")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), bertcpp.Encoder(precision="bfloat16").encode(texts),
                               atol=1e-6)


def test_encode_csv_with_quoted_newlines(cli_path, tmp_path, encoder):
    rows = [("1", "plain text"), ("2", 'quoted, with a comma and ""quotes""'), ("3", "two\nlines")]
    path = tmp_path / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "tweet"])
        writer.writerows((i, t.replace('""', '"')) for i, t in rows)
    run(cli_path, "encode", "-i", str(path), "-o", str(tmp_path / "out.npy"), "--column", "tweet", "--normalize",
        "--pooling", "CLS_TOKEN", "--layer", "-1", "--max-seq-len", "16", "--batch-size", "2", "--threads", "1")
    expected = bertcpp.Encoder(pooling_strategy="CLS_TOKEN", pooling_layer=-1, max_seq_len=16).encode(
        [t.replace('""', '"') for _, t in rows], normalize=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-5)
    bad = run(cli_path, "encode", "-i", str(path), "-o", str(tmp_path / "x.npy"), "--column", "nope", check=False)
    assert bad.returncode == 1 and "nope" in bad.stderr and "tweet" in bad.stderr


def test_encode_tweets_csv_rows(cli_path, tmp_path):
    with open(TWEETS_CSV, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)][:300]
    head = tmp_path / "head.csv"
    with open(TWEETS_CSV, newline="", encoding="utf-8") as src, open(head, "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        for i, row in enumerate(reader):
            if i > 300:
                break
            writer.writerow(row)
    run(cli_path, "encode", "-i", str(head), "-o", str(tmp_path / "t.npy"), "--max-seq-len", "64", "-q")
    got = np.load(tmp_path / "t.npy")
    assert got.shape == (300, 256)
    np.testing.assert_allclose(got, bertcpp.Encoder(max_seq_len=64).encode(texts), atol=1e-5)


def test_encode_jsonl_in_and_out(cli_path, tmp_path, encoder):
    texts = ["hello world", "the bank of the river"]
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps({"body": t}) for t in texts) + "\n", encoding="utf-8")
    run(cli_path, "encode", "-i", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl"), "--field", "body")
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    got = np.array([json.loads(line)["vector"] for line in lines], dtype=np.float32)
    np.testing.assert_allclose(got, encoder.encode(texts), atol=1e-5)


def test_encode_token_vectors_to_npy(cli_path, tmp_path):
    (tmp_path / "in.txt").write_text("hello world\nthe bank\n", encoding="utf-8")
    run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.npy"), "--pooling", "NONE",
        "--max-seq-len", "8")
    expected = bertcpp.Encoder(pooling_strategy="NONE", max_seq_len=8).encode(["hello world", "the bank"])
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-5)


def test_encode_errors(cli_path, tmp_path):
    missing = run(cli_path, "encode", "-i", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o.npy"), check=False)
    assert missing.returncode != 0 and "missing.txt" in missing.stderr
    (tmp_path / "in.txt").write_text("x\n")
    wrong = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o.csv"), check=False)
    assert wrong.returncode == 1 and ".npy or .jsonl" in wrong.stderr
    pooling = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o.npy"), "--pooling",
                  "AVG", check=False)
    assert pooling.returncode == 1 and "REDUCE_MEAN" in pooling.stderr


def test_tokenize(cli_path, tokenizer):
    out = run(cli_path, "tokenize", "Hello, unaffable world!").stdout.splitlines()
    e = tokenizer.encode("Hello, unaffable world!")
    assert out[0].split("\t") == ["id", "type", "token", "start", "end"]
    assert [line.split("\t")[2] for line in out[1:]] == e.tokens
    assert [int(line.split("\t")[0]) for line in out[1:]] == e.ids
    pair = run(cli_path, "tokenize", "a b c", "--text-b", "d e", "--max-length", "6").stdout.splitlines()[1:]
    assert [line.split("\t")[2] for line in pair] == tokenizer.encode("a b c", "d e", max_length=6).tokens


def test_fill_mask(cli_path):
    out = run(cli_path, "fill-mask", "He drank a cup of [MASK].", "--top-k", "3").stdout
    assert out.startswith("[MASK] 1:") and len(out.splitlines()) == 4
    assert "coffee" in out or "tea" in out


def test_info(cli_path):
    out = run(cli_path, "info", "--model", MODEL_DIR).stdout
    assert "safetensors" in out and "hidden_size" in out and "vocab.txt" in out
    count = int(out.split("parameters: ")[1].split()[0])
    assert 11_000_000 < count < 12_500_000


def test_python_entry_point_runs_the_same_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bertcpp", "tokenize", "hello world"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert "hello" in result.stdout and "[SEP]" in result.stdout
    assert subprocess.run([sys.executable, "-m", "bertcpp", "nonsense"], capture_output=True).returncode != 0


@pytest.mark.parametrize("layers", [["-1", "-2"], ["-1,-2"]])
def test_encode_several_layers(cli_path, tmp_path, layers):
    (tmp_path / "in.txt").write_text("hello world\nthe bank\n", encoding="utf-8")
    run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.npy"), "--layer", *layers, "-q")
    expected = bertcpp.Encoder(pooling_layer=[-1, -2]).encode(["hello world", "the bank"])
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-5)
