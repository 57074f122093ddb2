"""bertcpp.BertClient follows bert_serving.client.BertClient's contract."""
import warnings

import numpy as np
import pytest

import bertcpp
from bertcpp import BertClient

TEXTS = ["First do it", "then do it right", "then do it better"]


@pytest.fixture(scope="module")
def bc():
    with BertClient() as client:
        yield client


def test_defaults_are_the_servers(bc):
    v = bc.encode(TEXTS)
    assert isinstance(v, np.ndarray) and v.shape == (3, 256) and v.dtype == np.float32
    expected = bertcpp.Encoder(max_seq_len=25, pooling_strategy="REDUCE_MEAN", pooling_layer=-2).encode(TEXTS)
    np.testing.assert_array_equal(v, expected)
    status = bc.server_status
    assert status["max_seq_len"] == 25 and status["pooling_strategy"] == "REDUCE_MEAN"
    assert status["pooling_layer"] == [-2] and status["show_tokens_to_client"] is True
    assert bc.server_config == status or bc.server_config["max_seq_len"] == 25
    assert bc.status["client_version"] and bc.status["num_request"] >= 1


def test_ip_means_a_server_never_a_silent_local_model():
    # from the article: bc = BertClient(ip="YOUR_SERVER_IP") needs a `bertcpp serve` there
    # (tests/python/test_server.py runs it against one); without one it fails loudly.
    with pytest.raises(ConnectionError, match="cannot reach the bertcpp server at http://YOUR_SERVER_IP:8125"):
        BertClient(ip="YOUR_SERVER_IP")


def test_input_checks_and_messages(bc):
    with pytest.raises(ValueError, match="must be a non-empty list"):
        bc.encode([])
    with pytest.raises(ValueError, match="all elements in the list must be non-empty string, but element 1 is '  '"):
        bc.encode(["ok", "  "])
    with pytest.raises(TypeError, match="must be <class 'list'>"):
        bc.encode("a single string")
    with pytest.raises(TypeError, match="element 1 is <class 'int'>"):
        bc.encode(["ok", 1])
    with pytest.raises(ValueError, match='"texts" must be a non-empty list'):
        bc.encode([], is_tokenized=True)
    with pytest.raises(AttributeError, match='"output_fmt" must be "ndarray" or "list"'):
        BertClient(output_fmt="json")


def test_length_warning(bc):
    with pytest.warns(UserWarning, match='max_seq_len=25'):
        bc.encode([" ".join(["word"] * 30)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BertClient(check_length=False).encode([" ".join(["word"] * 30)])


def test_output_fmt_list_tokens_and_tokenized():
    bc = BertClient(output_fmt="list")
    v, tokens = bc.encode(["hello world"], show_tokens=True)
    assert isinstance(v, list) and isinstance(v[0], list) and len(v[0]) == 256
    assert tokens == [["[CLS]", "hello", "world", "[SEP]"]]
    pre = bc.encode([["hello", "world"]], is_tokenized=True)
    np.testing.assert_allclose(pre, v, atol=1e-6)


def test_non_blocking_fetch_and_async(bc):
    assert bc.encode(["a first batch"], blocking=False) is None
    assert bc.encode(["a second", "batch"], blocking=False) is None
    both = bc.fetch_all(concat=True)
    assert both.shape == (3, 256)
    np.testing.assert_array_equal(both[1:], bc.encode(["a second", "batch"]))
    assert bc.fetch_all() is None

    def batches():
        for i in range(3):
            yield ["batch %d text %d" % (i, j) for j in range(i + 1)]

    results = list(bc.encode_async(batches(), delay=0))
    assert [r.embedding.shape[0] for r in results] == [1, 2, 3]
    assert [r.id for r in results] == sorted(r.id for r in results)
    assert len(list(bc.encode_async(batches(), max_num_batch=2, delay=0))) == 2


def test_timeout_and_close():
    slow = BertClient(timeout=0, batch_size=1)
    with pytest.raises(TimeoutError, match='"timeout"=0 ms'):
        slow.encode(["sentence number %d" % i for i in range(50)])
    with BertClient() as bc:
        bc.encode(["ok"])
    with pytest.raises(RuntimeError, match="closed"):
        bc.encode(["too late"])


def test_show_server_config_prints(capsys):
    BertClient(show_server_config=True)
    out = capsys.readouterr().out
    assert "server config:" in out and "max_seq_len" in out
