"""bertcpp.BertClient: bert-as-service's BertClient, in this process or against `bertcpp serve`.

    from bertcpp import BertClient     # instead of: from bert_serving.client import BertClient
    bc = BertClient()                  # in-process
    bc = BertClient(ip="10.0.0.5")     # a `bertcpp serve` at 10.0.0.5:8125, over HTTP
    vectors = bc.encode(["First do it", "then do it right"])

Without ip the encoding runs in this process with the bundled model (or model_dir=...) and
bert-as-service's server defaults: max_seq_len 25, REDUCE_MEAN, pooling_layer -2. With ip it
runs on that server, with the server's settings; an unreachable server raises ConnectionError
(never a silent switch to a local model). The constructor, encode(), encode_async(), fetch(),
fetch_all(), status, server_status and the input checks follow bert_serving.client 1.10
(messages included); port_out is accepted and ignored.
"""
import time
import uuid
import warnings
from collections import namedtuple

import numpy as np

from .encoder import Encoder, _cache_key
from .http_client import DEFAULT_PORT, HttpServer

__version__ = "1.10.0"  # the bert-as-service client version whose contract this follows

Response = namedtuple("Response", ["id", "embedding", "tokens"])

_SERVER_DEFAULTS = {"max_seq_len": 25, "pooling_strategy": "REDUCE_MEAN", "pooling_layer": -2}
_encoders = {}  # clients with the same settings share one loaded model


def _shared_encoder(**kwargs):
    key = _cache_key(kwargs)
    if key not in _encoders:
        _encoders[key] = Encoder(**kwargs)
    return _encoders[key]


class BertClient(object):
    def __init__(self, ip=None, port=DEFAULT_PORT, port_out=5556, output_fmt="ndarray", show_server_config=False,
                 identity=None, check_version=True, check_length=True, check_token_info=True,
                 ignore_all_checks=False, timeout=-1, model_dir=None, api_key=None, **encoder_kwargs):
        """A BertClient: in-process without ip, else the `bertcpp serve` at ip:port (HTTP).

        output_fmt: "ndarray" (float32 numpy) or "list" (list of lists of float).
        check_length: warn, as the server-backed client does, when a text has more
            whitespace-separated words than max_seq_len.
        timeout: milliseconds; an encode running longer raises TimeoutError (checked between
            batches). -1: no limit.
        model_dir and encoder_kwargs (max_seq_len, pooling_strategy, pooling_layer, threads,
            batch_size, normalize) configure the in-process "server"; they default to
            bert-as-service's. With ip the server's own settings apply, so they are refused.
        ip, port: a `bertcpp serve` (default port 8125); ip may also be a URL "http://host:port".
            The server is asked for its status here: ConnectionError when it cannot be reached.
        api_key: the server's --api-key, sent as "Authorization: Bearer <key>".
        """
        if output_fmt == "ndarray":
            self.formatter = lambda x: x
        elif output_fmt == "list":
            self.formatter = lambda x: x.tolist()
        else:
            raise AttributeError('"output_fmt" must be "ndarray" or "list"')
        self._encoder = self._server = None
        if ip is not None:
            if model_dir is not None or encoder_kwargs:
                raise ValueError("model_dir and %s configure an in-process BertClient; with ip=%r the server's "
                                 "settings apply" % (sorted(encoder_kwargs) or "encoder options", ip))
            self._server = HttpServer(ip, port, timeout, api_key)
            self._remote_status = self._server.status()  # fails here, loudly, when nobody answers
        else:
            settings = dict(_SERVER_DEFAULTS)
            settings.update(encoder_kwargs)
            self._encoder = _shared_encoder(model_dir=model_dir, **settings)
        self.output_fmt = output_fmt
        self.ip, self.port, self.port_out = ip, port, port_out
        self.identity = identity or str(uuid.uuid4()).encode("ascii")
        self.timeout = timeout
        self.request_id = 0
        self.pending_request = set()
        self.pending_response = {}
        self._closed = False
        self.length_limit = 0
        self.token_info_available = True  # the in-process "server" always has the tokens
        if not ignore_all_checks and check_length:
            # None: no limit, as the server reports it
            self.length_limit = self._remote_status["max_seq_len"] if self._server else self._encoder.max_seq_len
        if not ignore_all_checks and show_server_config:
            self._print_dict(self.server_status, "server config:")

    # ---- bert-as-service's public surface ----
    @property
    def status(self):
        """The status of this client, with bert-as-service's keys."""
        return {
            "identity": self.identity,
            "num_request": self.request_id,
            "num_pending_request": len(self.pending_request),
            "pending_request": self.pending_request,
            "output_fmt": self.output_fmt,
            "port": self.port,
            "port_out": self.port_out,
            "server_ip": self.ip,
            "client_version": __version__,
            "timeout": self.timeout,
        }

    @property
    def server_status(self):
        """The server's model and encoding settings (asked anew from a remote server)."""
        self._check_open()
        if self._server:
            status = self._server.status()
            status.update({"client": self.identity, "server_ip": self.ip})
            return status
        e = self._encoder
        return {
            "model_dir": e.model_dir,
            "max_seq_len": e.max_seq_len,
            "pooling_strategy": e.pooling_strategy,
            "pooling_layer": e._core.pooling_layers,
            "dim": e.dim,
            "max_batch_size": e.batch_size,
            "num_worker": 1,
            "show_tokens_to_client": True,
            "server_version": __version__,
            "client": self.identity,
            "num_request": self.request_id,
            "config": e.config,
        }

    server_config = server_status

    def encode(self, texts, blocking=True, is_tokenized=False, show_tokens=False):
        """Encode a list of strings (or, with is_tokenized, a list of token lists) to vectors.

        With blocking=False nothing is returned; get the result with fetch()/fetch_all().
        show_tokens=True returns (vectors, tokens)."""
        self._check_open()
        if is_tokenized:
            self._check_input_lst_lst_str(texts)
        else:
            self._check_input_lst_str(texts)
        if self.length_limit is None:
            warnings.warn('server does not put a restriction on "max_seq_len", '
                          'it will determine "max_seq_len" dynamically according to the sequences in the batch. '
                          'you can restrict the sequence length on the client side for better efficiency')
        elif self.length_limit and not self._check_length(texts, self.length_limit, is_tokenized):
            warnings.warn('some of your sentences have more tokens than "max_seq_len=%d" set on the server, '
                          'as consequence you may get less-accurate or truncated embeddings.\n'
                          'here is what you can do:\n'
                          '- disable the length-check by create a new "BertClient(check_length=False)" '
                          'when you do not want to display this warning\n'
                          '- or, start a new server with a larger "max_seq_len"' % self.length_limit)
        self.request_id += 1
        req_id = self.request_id
        vectors, tokens = self._run(texts, is_tokenized, show_tokens or not blocking)
        response = Response(req_id, self.formatter(vectors), tokens)
        if not blocking:
            self.pending_request.add(req_id)
            self.pending_response[req_id] = response
            return None
        return (response.embedding, response.tokens) if show_tokens else response.embedding

    def fetch(self, delay=.0):
        """Yields Response(id, embedding, tokens) for each encode(blocking=False) not fetched yet."""
        time.sleep(delay)
        while self.pending_request:
            req_id = min(self.pending_request)
            self.pending_request.remove(req_id)
            yield self.pending_response.pop(req_id)

    def fetch_all(self, sort=True, concat=False):
        """All pending results in sending order; concat=True joins them into one array or list.
        None when nothing is pending."""
        if self.pending_request:
            tmp = list(self.fetch())
            if sort:
                tmp = sorted(tmp, key=lambda v: v.id)
            tmp = [v.embedding for v in tmp]
            if concat:
                if self.output_fmt == "ndarray":
                    tmp = np.concatenate(tmp, axis=0)
                elif self.output_fmt == "list":
                    tmp = [vv for v in tmp for vv in v]
            return tmp

    def encode_async(self, batch_generator, max_num_batch=None, delay=0.1, **kwargs):
        """Yields Response(id, embedding, tokens) for each batch the generator yields, encoding
        lazily (one batch in memory at a time); kwargs go to encode()."""
        kwargs.pop("blocking", None)
        show_tokens = kwargs.pop("show_tokens", False)
        time.sleep(delay)
        for count, texts in enumerate(batch_generator, 1):
            out = self.encode(texts, blocking=True, show_tokens=True, **kwargs)
            yield Response(self.request_id, out[0], out[1] if show_tokens else None)
            if max_num_batch and count == max_num_batch:
                break

    def close(self):
        """Releases this client; the model stays cached for other clients."""
        self._closed = True
        self.pending_request.clear()
        self.pending_response.clear()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    # ---- internals ----
    def _check_open(self):
        if self._closed:
            raise RuntimeError("this BertClient is closed; create a new one")

    def _run(self, texts, is_tokenized, show_tokens):
        if self._server:
            return self._server.encode(self.request_id, texts, is_tokenized, show_tokens)
        progress = None
        if self.timeout is not None and self.timeout >= 0:
            deadline = time.monotonic() + self.timeout / 1000.0

            def progress(done, total):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        'no response from the server (with "timeout"=%d ms), please check the following:'
                        'is the server still online? is the network broken? are "port" and "port_out" correct? '
                        'are you encoding a huge amount of data whereas the timeout is too small for that?'
                        % self.timeout)
                return True
        return self._encoder.encode(texts, is_tokenized=is_tokenized, show_tokens=True, progress=progress)

    @staticmethod
    def _check_length(texts, len_limit, tokenized):
        if tokenized:
            return all(len(t) <= len_limit for t in texts)
        return all(len(t.split()) <= len_limit for t in texts)

    @staticmethod
    def _check_input_lst_str(texts):
        if not isinstance(texts, list):
            raise TypeError('"%s" must be %s, but received %s' % (texts, type([]), type(texts)))
        if not len(texts):
            raise ValueError(
                '"%s" must be a non-empty list, but received %s with %d elements' % (texts, type(texts), len(texts)))
        for idx, s in enumerate(texts):
            if not isinstance(s, str):
                raise TypeError('all elements in the list must be %s, but element %d is %s' % (type(""), idx, type(s)))
            if not s.strip():
                raise ValueError(
                    "all elements in the list must be non-empty string, but element %d is %s" % (idx, repr(s)))

    @staticmethod
    def _check_input_lst_lst_str(texts):
        if not isinstance(texts, list):
            raise TypeError('"texts" must be %s, but received %s' % (type([]), type(texts)))
        if not len(texts):
            raise ValueError(
                '"texts" must be a non-empty list, but received %s with %d elements' % (type(texts), len(texts)))
        for s in texts:
            BertClient._check_input_lst_str(s)

    @staticmethod
    def _print_dict(x, title=None):
        if title:
            print(title)
        for k, v in x.items():
            print("%30s\t=\t%-30s" % (k, v))
