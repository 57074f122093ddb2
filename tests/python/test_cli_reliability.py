"""The bertcpp command never loses or fakes data: no output over an input, no file that looks
complete after a failure or Ctrl-C, errors that name the line, inputs read as their extension says."""
import csv
import gzip
import json
import os
import signal
import subprocess

import numpy as np
import pytest

TIMEOUT = 240


def run(cli_path, *args):
    return subprocess.run([cli_path, *args], capture_output=True, text=True, timeout=TIMEOUT)


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if ".partial" in p.name)


@pytest.mark.parametrize("how", ["same_path", "symlink", "hard_link"])
def test_output_over_the_input_is_refused_and_the_input_kept(cli_path, tmp_path, how):
    source = tmp_path / "same.jsonl"
    content = "".join(json.dumps({"text": "text %d" % i}) + "\n" for i in range(5))
    source.write_text(content)
    output = {"same_path": source, "symlink": tmp_path / "link.jsonl", "hard_link": tmp_path / "hard.jsonl"}[how]
    if how == "symlink":
        os.symlink(source, output)
    elif how == "hard_link":
        os.link(source, output)
    result = run(cli_path, "encode", "-i", str(source), "-o", str(output), "-q")
    assert result.returncode != 0 and "is the input file" in result.stderr, result.stderr
    assert source.read_text() == content


def test_an_output_folder_that_does_not_exist_is_named(cli_path, tmp_path):
    (tmp_path / "in.txt").write_text("hello\n")
    for output in ("missing/out.npy", "missing/out.jsonl"):
        result = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / output), "-q")
        assert result.returncode == 1
        assert ("--output %s: cannot write there: the folder %s does not exist" % (tmp_path / output, tmp_path / "missing")
                in result.stderr), result.stderr


def test_text_that_is_not_utf8_is_refused_by_line(cli_path, tmp_path):
    # The bytes were dropped without a word (.jsonl refused them): a Latin-1 file encoded
    # "caf\xe9" as "caf".
    (tmp_path / "in.txt").write_bytes(b"ok one\nok two\nbad \xff\xfe here\nok four\n")
    (tmp_path / "in.csv").write_bytes(b"text\nfine\ncaf\xe9\n")
    for name, where in (("in.txt", "line 3: not UTF-8 (byte 0xFF at byte 5)"),
                        ("in.csv", "line 3: not UTF-8 (byte 0xE9 at byte 4)")):
        result = run(cli_path, "encode", "-i", str(tmp_path / name), "-o", str(tmp_path / "out.npy"), "-q")
        assert result.returncode == 1 and "%s: %s" % (tmp_path / name, where) in result.stderr, result.stderr
        assert not (tmp_path / "out.npy").exists() and leftovers(tmp_path) == []


def test_a_failure_leaves_no_output_and_names_the_line(cli_path, tmp_path):
    lines = [json.dumps({"text": "fine %d" % i}) for i in range(9)]
    lines[6] = "{not json"
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    for output in ("out.npy", "out.jsonl"):
        result = run(cli_path, "encode", "-i", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / output),
                     "--chunk-size", "2", "-q")
        assert result.returncode == 1 and "line 7" in result.stderr, result.stderr
        assert not (tmp_path / output).exists()
    assert leftovers(tmp_path) == []


def test_an_existing_output_survives_a_failed_run(cli_path, tmp_path):
    (tmp_path / "in.txt").write_text("hello\n" * 3 + "word " * 600 + "\n")
    (tmp_path / "out.npy").write_bytes(b"previous results")
    result = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.npy"),
                 "--chunk-size", "2", "--long-text", "error", "-q")
    assert result.returncode == 1
    assert (tmp_path / "out.npy").read_bytes() == b"previous results"


def test_errors_name_the_line_in_the_file_not_the_place_in_a_chunk(cli_path, tmp_path):
    texts = ["short text"] * 12
    texts[10] = "word " * 600  # line 11: too long, refused with --long-text error
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    result = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o.npy"),
                 "--chunk-size", "4", "--long-text", "error", "-q")
    assert result.returncode == 1
    assert "in.txt: line 11: the text has 602 tokens" in result.stderr, result.stderr
    assert "input 2" not in result.stderr


def start_long_encode(cli_path, tmp_path):
    """An encode that runs for minutes, returned once its progress shows it has started."""
    (tmp_path / "in.txt").write_text("a sentence to encode, again and again\n" * 200000)
    (tmp_path / "out.npy").write_bytes(b"previous results")
    process = subprocess.Popen([cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.npy"),
                                "--chunk-size", "64", "--threads", "1"], stderr=subprocess.PIPE, text=True)
    seen = ""
    while "texts/s" not in seen:  # encoding has started
        seen += process.stderr.read(1)
        assert seen or process.poll() is None
    return process


# Ctrl-C, kill, a closed terminal or ssh session (SIGHUP): the same clean stop, the previous
# output kept and no temporary file left (SIGHUP used to kill it with its .partial file).
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_cleanly_without_output(cli_path, tmp_path, sig):
    process = start_long_encode(cli_path, tmp_path)
    try:
        process.send_signal(sig)
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + sig, err
    assert "interrupted (%s)" % signal.Signals(sig).name in err
    assert (tmp_path / "out.npy").read_bytes() == b"previous results" and leftovers(tmp_path) == []


def test_a_closed_progress_pipe_stops_cleanly(cli_path, tmp_path):
    # `bertcpp encode ... |& head`: the reader of stderr goes away. The next progress line
    # raised SIGPIPE, which killed the process and left its .partial file.
    process = start_long_encode(cli_path, tmp_path)
    try:
        process.stderr.close()
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGPIPE
    assert (tmp_path / "out.npy").read_bytes() == b"previous results" and leftovers(tmp_path) == []


@pytest.mark.parametrize("args, message", [
    (["--threads", "-5"], "--threads"),
    (["--max-seq-len", "-3"], "--max-seq-len"),
    (["--max-seq-len", "1"], "--max-seq-len"),
    (["--batch-size", "0"], "--batch-size"),
    (["--threads", "40000"], "--threads"),
])
def test_bad_numbers_are_refused_by_name(cli_path, tmp_path, args, message):
    (tmp_path / "in.txt").write_text("hello\n")
    result = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o.npy"), *args)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "18446744073709551613" not in result.stderr
    assert not (tmp_path / "o.npy").exists()


def test_csv_blank_lines_are_no_rows_and_a_bom_before_a_quoted_header_works(cli_path, tmp_path, encoder):
    path = tmp_path / "in.csv"
    path.write_bytes(b'\xef\xbb\xbf"id","text"\r\n1,first text\r\n\r\n2,"second, quoted"\r\n\r\n')
    result = run(cli_path, "encode", "-i", str(path), "-o", str(tmp_path / "o.npy"), "-q")
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "o.npy")
    assert got.shape == (2, 256)
    np.testing.assert_allclose(got, encoder.encode(["first text", "second, quoted"]), atol=1e-5)


def test_tsv_is_read_as_tab_separated(cli_path, tmp_path, encoder):
    path = tmp_path / "in.tsv"
    path.write_text("id\ttext\n1\thello, world\n2\tthe bank\n")
    assert run(cli_path, "encode", "-i", str(path), "-o", str(tmp_path / "o.npy"), "-q").returncode == 0
    np.testing.assert_allclose(np.load(tmp_path / "o.npy"), encoder.encode(["hello, world", "the bank"]), atol=1e-5)


@pytest.mark.parametrize("name", ["in.csv.gz", "in.json", "in.parquet"])
def test_unknown_input_formats_are_refused(cli_path, tmp_path, name):
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt") as f:
            f.write("text\nhello\n")
    else:
        path.write_text('["hello", "world"]\n')
    result = run(cli_path, "encode", "-i", str(path), "-o", str(tmp_path / "o.npy"), "-q")
    assert result.returncode != 0 and "cannot read" in result.stderr, result.stderr
    assert not (tmp_path / "o.npy").exists()


def test_normalize_with_no_pooling_matches_python(cli_path, tmp_path):
    import bertcpp
    texts = ["hello world", "the river bank"]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    result = run(cli_path, "encode", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o.npy"), "--pooling",
                 "NONE", "--max-seq-len", "8", "--normalize", "-q")
    assert result.returncode == 0, result.stderr
    expected = bertcpp.Encoder(pooling_strategy="NONE", max_seq_len=8).encode(texts, normalize=True)
    np.testing.assert_allclose(np.load(tmp_path / "o.npy"), expected, atol=1e-5)


def test_fill_mask_past_512_tokens_says_how_to_truncate(cli_path):
    text = "the [MASK] was " + "very " * 600 + "good"
    result = run(cli_path, "fill-mask", text)
    assert result.returncode == 1 and "max_position_embeddings = 512" in result.stderr, result.stderr
    result = run(cli_path, "fill-mask", text, "--max-length", "32")
    assert result.returncode == 0 and "[MASK] 1:" in result.stdout, result.stderr
