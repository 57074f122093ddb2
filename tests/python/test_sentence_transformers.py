"""sentence-transformers folders from Python and the bertcpp command: the shared folders
(../shared/fixtures/sentence_transformers, skipped when absent) give ST's embeddings with
default options, prompts included; explicit options replace the folder's chain."""
import os
import subprocess

import numpy as np
import pytest

import bertcpp
from conftest import REPO, read_safetensors

FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "sentence_transformers")
VARIANTS = ("minilm-style", "bge-style")


def variant(name):
    folder = os.path.join(FIXTURES, name)
    if not os.path.exists(os.path.join(folder, "modules.json")):
        pytest.skip("shared sentence-transformers fixtures absent")
    tensors, _ = read_safetensors(os.path.join(FIXTURES, name + "_reference.safetensors"))
    import json
    with open(os.path.join(FIXTURES, name + "_texts.json"), encoding="utf-8") as f:
        texts = json.load(f)
    return folder, tensors, texts


@pytest.mark.parametrize("name", VARIANTS)
def test_default_options_give_sentence_transformers_embeddings(name):
    folder, ref, meta = variant(name)
    encoder = bertcpp.Encoder(folder)
    got = encoder.encode(meta["texts"])
    assert got.shape == ref["embeddings"].shape and encoder.dim == meta["dimension"]
    np.testing.assert_allclose(got, ref["embeddings"], atol=1e-4, rtol=0)
    assert encoder.max_seq_len == meta["max_seq_length"]
    assert encoder.description.startswith("sentence-transformers: Transformer(max_seq_length=%d)" % meta["max_seq_length"])
    assert encoder.similarity_fn_name == "cosine"


def test_prompt_name_per_call_and_in_the_constructor():
    folder, ref, meta = variant("bge-style")
    encoder = bertcpp.Encoder(folder)
    assert encoder.prompts == {"query": "Represent this sentence for searching relevant passages: "}
    texts = meta["texts"][:5]
    np.testing.assert_allclose(encoder.encode(texts, prompt_name="query"), ref["embeddings_prompt_query"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(encoder.encode(texts, prompt=encoder.prompts["query"]), ref["embeddings_prompt_query"],
                               atol=1e-4, rtol=0)
    # No prompt again after a prompted call.
    np.testing.assert_allclose(encoder.encode(texts), ref["embeddings"][:5], atol=1e-4, rtol=0)
    np.testing.assert_allclose(bertcpp.Encoder(folder, prompt_name="query").encode(texts), ref["embeddings_prompt_query"],
                               atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match='"passage" is not one of the model\'s prompts \\(query\\)'):
        encoder.encode(texts, prompt_name="passage")


def test_explicit_options_replace_the_chain():
    folder, ref, meta = variant("bge-style")
    explicit = bertcpp.Encoder(folder, pooling_strategy="REDUCE_MEAN")
    assert explicit.dim == 256 and explicit.pooling_layer == -2
    plain = bertcpp.Encoder(max_seq_len=64)
    np.testing.assert_allclose(explicit.encode(meta["texts"][:4]), plain.encode(meta["texts"][:4]), atol=1e-6)
    raw = bertcpp.Encoder(folder, normalize=False).encode(meta["texts"][:4])
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), ref["embeddings"][:4], atol=1e-4)


def test_plain_folders_keep_bert_as_service_defaults(encoder):
    assert encoder.pooling_strategy == "REDUCE_MEAN" and encoder.pooling_layer == -2
    assert encoder.description == "bert-as-service: REDUCE_MEAN of layer -2"


@pytest.mark.parametrize("name", VARIANTS)
def test_cli_encode_with_the_folder_gives_the_reference(cli_path, tmp_path, name):
    folder, ref, meta = variant(name)
    import csv
    path = tmp_path / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        for t in meta["texts"]:
            writer.writerow([t])
    subprocess.run([cli_path, "encode", "--model", folder, "--input", str(path), "--output", str(tmp_path / "out.npy"),
                    "-q"], check=True, capture_output=True, text=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), ref["embeddings"], atol=1e-4, rtol=0)
    if name == "bge-style":
        subprocess.run([cli_path, "encode", "--model", folder, "--input", str(path), "--output", str(tmp_path / "q.npy"),
                        "--prompt-name", "query", "-q"], check=True, capture_output=True, text=True)
        np.testing.assert_allclose(np.load(tmp_path / "q.npy")[:5], ref["embeddings_prompt_query"], atol=1e-4, rtol=0)


def test_cli_info_shows_the_chain(cli_path):
    folder, _, _ = variant("bge-style")
    out = subprocess.run([cli_path, "info", "--model", folder], check=True, capture_output=True, text=True).stdout
    assert ("sentence-transformers modules: Transformer(max_seq_length=64) -> Pooling(cls_token) -> "
            "Dense(256->128, Tanh) -> Normalize") in out
    assert 'query="Represent this sentence for searching relevant passages: "' in out
