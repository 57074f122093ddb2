"""Output options: truncate_dim, output_precision (sentence-transformers' quantize_embeddings,
reimplemented here in numpy from ST 3.x as the reference) and similarity."""
import os

import numpy as np
import pytest

import bertcpp
from conftest import REPO, read_safetensors

ST_FOLDER = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "sentence_transformers", "minilm-style")


def st_quantize(embeddings, precision, ranges=None, calibration_embeddings=None):
    """sentence_transformers.quantization.quantize_embeddings (3.x), numpy only."""
    if precision == "float32":
        return embeddings.astype(np.float32)
    if precision.endswith("int8"):
        if ranges is None:
            source = calibration_embeddings if calibration_embeddings is not None else embeddings
            ranges = np.vstack((np.min(source, axis=0), np.max(source, axis=0)))
        starts = ranges[0, :]
        steps = (ranges[1, :] - ranges[0, :]) / 255
        if precision == "uint8":
            return ((embeddings - starts) / steps).astype(np.uint8)
        return ((embeddings - starts) / steps - 128).astype(np.int8)
    if precision == "binary":
        return (np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1) - 128).astype(np.int8)
    if precision == "ubinary":
        return np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1)
    raise ValueError(precision)


TEXTS = ["I love data science", "We went to the river bank.", "The quick brown fox", "ok", "a longer sentence here"]


@pytest.mark.parametrize("precision", ["int8", "uint8", "binary", "ubinary"])
def test_output_precision_is_sentence_transformers_quantization(encoder, precision):
    vectors = encoder.encode(TEXTS)
    got = encoder.encode(TEXTS, output_precision=precision)
    expected = st_quantize(vectors, precision)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    calibration = encoder.encode(TEXTS * 3 + ["calibration text number %d" % i for i in range(20)])
    np.testing.assert_array_equal(bertcpp.quantize_embeddings(vectors, precision, calibration_embeddings=calibration),
                                  st_quantize(vectors, precision, calibration_embeddings=calibration))
    with pytest.raises(ValueError, match="float32, int8, uint8, binary, ubinary"):
        bertcpp.quantize_embeddings(vectors, "int4")


def test_int8_ranges_that_would_zero_everything_are_refused(encoder):
    # One text quantized by its own ranges, a one-row or NaN calibration: sentence-transformers'
    # math gives 0/0 and every byte 0; it was returned as such.
    vectors = encoder.encode(TEXTS)
    one = encoder.encode(TEXTS[:1])
    with pytest.raises(ValueError, match="one embedding gives every dimension min = max"):
        encoder.encode(TEXTS[:1], output_precision="int8")
    with pytest.raises(ValueError, match="from calibration_embeddings: one embedding"):
        bertcpp.quantize_embeddings(vectors, "uint8", calibration_embeddings=one[0])
    with pytest.raises(ValueError, match="calibration_embeddings has a non-finite value at \\[1, 7\\]"):
        broken = vectors.copy()
        broken[1, 7] = np.nan
        bertcpp.quantize_embeddings(vectors, "int8", calibration_embeddings=broken)
    with pytest.raises(ValueError, match="ranges has a non-finite value"):
        bertcpp.quantize_embeddings(vectors, "int8", ranges=np.array([vectors.min(0), np.full(vectors.shape[1], np.inf)]))
    with pytest.raises(ValueError, match="calibration_embeddings is empty"):
        bertcpp.quantize_embeddings(vectors, "int8", calibration_embeddings=np.zeros((0, vectors.shape[1]), np.float32))
    # One text with calibration from many is the intended use, and binary needs no ranges.
    assert encoder.encode(TEXTS[:1], output_precision="int8", calibration_embeddings=vectors).shape == (1, vectors.shape[1])
    assert encoder.encode(TEXTS[:1], output_precision="binary").shape == (1, vectors.shape[1] // 8)
    with pytest.raises(ValueError, match="pooling_strategy NONE gives token vectors"):
        bertcpp.Encoder(pooling_strategy="NONE", max_seq_len=8).encode(TEXTS, output_precision="int8")


def test_truncate_dim_keeps_the_first_dimensions():
    if not os.path.exists(os.path.join(ST_FOLDER, "modules.json")):
        pytest.skip("shared sentence-transformers fixtures absent")
    ref, _ = read_safetensors(ST_FOLDER + "_reference.safetensors")
    enc = bertcpp.Encoder(ST_FOLDER, truncate_dim=64)
    assert enc.dim == 64
    import json
    with open(ST_FOLDER + "_texts.json", encoding="utf-8") as f:
        texts = json.load(f)["texts"]
    np.testing.assert_allclose(enc.encode(texts), ref["embeddings"][:, :64], atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="truncate_dim = 300 is outside \\[1, 256\\]"):
        bertcpp.Encoder(ST_FOLDER, truncate_dim=300)


def test_similarity_uses_the_folders_function(encoder):
    a, b = encoder.encode(TEXTS[:2]), encoder.encode(TEXTS)
    expected = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    assert encoder.similarity_fn_name == "cosine"
    np.testing.assert_allclose(encoder.similarity(a, b), expected, atol=1e-5)
    np.testing.assert_allclose(bertcpp._bertcpp.similarity(a, b, "manhattan"),
                               -np.abs(a[:, None, :] - b[None, :, :]).sum(-1), rtol=1e-5)
