"""The examples run: the tweet classifier, the notebook (headless), the C++ program built
against an installed bertcpp."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def test_classify_tweets_runs(tmp_path):
    script = os.path.join(REPO, "examples", "classify_tweets.py")
    out = subprocess.run([sys.executable, script, "--limit", "600", "--max-seq-len", "64"], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "TF-IDF (1-2 grams) + LR" in out.stdout and "bertcpp REDUCE_MEAN layer -2 + LR" in out.stdout
    accuracy = float(out.stdout.split("bertcpp REDUCE_MEAN layer -2 + LR")[1].split()[0])
    assert 0.6 < accuracy <= 1.0


def test_classify_tweets_reads_the_articles_format(tmp_path):
    rows = ["id,label,tweet"] + ['%d,%d,"%s"' % (i, i % 2, ("love it, great day" if i % 2 else "sad and bad, awful"))
                                 for i in range(80)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    script = os.path.join(REPO, "examples", "classify_tweets.py")
    out = subprocess.run([sys.executable, script, "--csv", str(tmp_path / "train.csv"), "--clean"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "80 texts, 50.0% positive" in out.stdout


def venv_kernel(tmp_path):
    """A kernelspec running this interpreter: the system's python3 kernel would not see
    the bertcpp installed in the venv."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "bertcpp-test"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bertcpp test kernel", "language": "python"}))
    return "bertcpp-test", str(tmp_path / "jupyter")


def test_notebook_executes(tmp_path):
    pytest.importorskip("nbconvert")
    pytest.importorskip("ipykernel")
    notebook = os.path.join(REPO, "examples", "notebook.ipynb")
    kernel, jupyter_path = venv_kernel(tmp_path)
    # Headless: the notebook shows its figure inline; Agg here keeps any display out of it.
    env = dict(os.environ, BERTCPP_NOTEBOOK_SAMPLE="600", BERTCPP_NOTEBOOK_FIGURE=str(tmp_path / "pca.png"),
               JUPYTER_PATH=jupyter_path, MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                          "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name=" + kernel,
                          "--output-dir", str(tmp_path / "out"), notebook], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(notebook), timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    executed = json.loads((tmp_path / "out" / "notebook.ipynb").read_text())
    outputs = "".join(str(o) for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell["outputs"])
    assert "accuracy" in outputs and "similarity" in outputs
    assert (tmp_path / "pca.png").stat().st_size > 1000


# The stable headers (README, "C++"); bertcpp.h includes them all.
PUBLIC_HEADERS = sorted([
    "bertcpp.h", "cpu.h", "encoder.h", "matrix.h", "types.h", "version.h", "loaders/config.h",
    "pooling/pooling.h", "pooling/quantize.h", "pooling/similarity.h", "quantize_check.h",
    "tokenizer/encoding.h", "tokenizer/errors.h", "tokenizer/pair_marker.h", "tokenizer/tokenizer.h", "tokenizer/vocab.h",
])


def test_cpp_example_builds_against_installed_bertcpp(tmp_path, build_dir):
    installed, prefix, example_build = tmp_path / "installed", tmp_path / "moved", tmp_path / "example"
    subprocess.run(["cmake", "--install", build_dir, "--prefix", str(installed), "--component", "Unspecified"],
                   check=True, capture_output=True)
    # A prefix other than the configured one, then moved: the package must still find itself and its model.
    shutil.move(str(installed), str(prefix))
    # Only the public API is installed: no bertcpp/detail/ (model, heads, readers, tokenizer internals).
    include = prefix / "include" / "bertcpp"
    installed = sorted(str(p.relative_to(include)) for p in include.rglob("*.h"))
    assert installed == PUBLIC_HEADERS, installed
    configure = subprocess.run(["cmake", "-S", os.path.join(REPO, "examples", "cpp"), "-B", str(example_build),
                                "-DCMAKE_PREFIX_PATH=" + str(prefix), "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror"],
                               capture_output=True, text=True)
    assert configure.returncode == 0, configure.stdout + configure.stderr
    build = subprocess.run(["cmake", "--build", str(example_build)], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k != "BERTCPP_MODEL_DIR"}
    run = subprocess.run([str(example_build / "bank_similarity")], capture_output=True, text=True, env=env,
                         cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "cosine similarity" in run.stdout and "[4]" in run.stdout
    model = run.stdout.splitlines()[0]
    assert model == "model: " + str(prefix / "share" / "bertcpp" / "models" / "bert-mini-uncased"), model


def test_classify_tweets_runs_unchanged_on_long_reviews(tmp_path):
    """The review example of the long-text issue: texts far past 512 tokens are truncated to
    the model's limit by default, not refused."""
    import csv
    good = "great product, works well and I love the build quality. "
    bad = "poor product, broke after a week and support never answered. "
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "review", "score"])
        for i in range(48):
            positive = i % 2 == 0
            words = (good if positive else bad) * (60 + 7 * (i % 5)) if i % 3 == 0 else (good if positive else bad)
            writer.writerow([i, words, "great" if positive else "poor"])
    script = os.path.join(REPO, "examples", "classify_tweets.py")
    out = subprocess.run([sys.executable, script, "--csv", str(path), "--text-column", "review", "--label-column",
                          "score", "--positive", "great"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "48 texts, 50.0% positive" in out.stdout
    accuracy = float(out.stdout.split("bertcpp REDUCE_MEAN layer -2 + LR")[1].split()[0])
    assert 0.5 <= accuracy <= 1.0
