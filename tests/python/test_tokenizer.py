"""bertcpp.Tokenizer against Hugging Face tokenizers' golden outputs, and its Python API."""
import json
import os

import pytest

import bertcpp
from conftest import MODEL_DIR, TEST_DATA


def golden(name, every=1):
    with open(os.path.join(TEST_DATA, "tokenizer", name), encoding="utf-8") as f:
        return [json.loads(line) for i, line in enumerate(f) if i % every == 0]


@pytest.mark.parametrize("record", golden("uncased_single.jsonl", every=40), ids=lambda r: r["text"][:30])
def test_single_texts_match_hugging_face(tokenizer, record):
    e = tokenizer.encode(record["text"])
    assert e.tokens == record["tokens"]
    assert e.ids == record["ids"]
    assert [list(o) for o in e.offsets] == record["offsets"]
    assert e.type_ids == [0] * len(e.ids)
    assert e.attention_mask == [1] * len(e.ids)
    assert len(e) == len(record["ids"])


@pytest.mark.parametrize("record", golden("uncased_pairs.jsonl", every=10), ids=lambda r: r["text_a"][:30])
def test_pairs_with_truncation_match_hugging_face(tokenizer, record):
    e = tokenizer.encode(record["text_a"], record["text_b"], max_length=record["max_length"])
    assert e.ids == record["ids"]
    assert e.type_ids == record["type_ids"]


@pytest.mark.parametrize("record", golden("uncased_truncated.jsonl", every=12), ids=lambda r: r["text"][:30])
def test_truncation_matches_hugging_face(tokenizer, record):
    assert tokenizer.encode(record["text"], max_length=record["max_length"]).ids == record["ids"]


def test_cased_options_match_hugging_face():
    cased = bertcpp.Tokenizer(os.path.join(MODEL_DIR, "vocab.txt"), lowercase=False, strip_accents=False)
    for record in golden("cased_single.jsonl", every=25):
        assert cased.encode(record["text"]).tokens == record["tokens"], record["text"]


def test_encode_batch_mixes_texts_and_pairs_in_order(tokenizer):
    batch = tokenizer.encode_batch(["Hello world", ("The man went to the store.", "He bought milk.")] * 20)
    assert len(batch) == 40
    assert batch[0].tokens == ["[CLS]", "hello", "world", "[SEP]"]
    assert batch[1].tokens.count("[SEP]") == 2 and batch[1].type_ids[-1] == 1
    single = tokenizer.encode("The man went to the store.", "He bought milk.")
    assert batch[39].ids == single.ids
    assert [len(e) for e in tokenizer.encode_batch(["a b c d e f"], max_length=4)] == [4]


def test_vocab_lookups(tokenizer):
    assert tokenizer.vocab_size == 30522
    assert tokenizer.token_to_id("[CLS]") == 101
    assert tokenizer.token_to_id("[MASK]") == 103
    assert tokenizer.token_to_id("no-such-token") is None
    assert tokenizer.id_to_token(102) == "[SEP]"
    with pytest.raises(IndexError):
        tokenizer.id_to_token(30522)
    assert tokenizer.tokenize("unaffable") == ["una", "##ffa", "##ble"]


def test_bad_input_raises_python_errors(tokenizer):
    with pytest.raises(RuntimeError, match="missing_vocab.txt"):
        bertcpp.Tokenizer("/nonexistent/missing_vocab.txt")
    with pytest.raises(TypeError, match="element 1"):
        tokenizer.encode_batch(["fine", 42])
