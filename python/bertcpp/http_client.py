"""The HTTP side of bertcpp.BertClient(ip=...): talks to `bertcpp serve` with the standard
library only (urllib), using bert-as-service's HTTP API (POST /encode, GET /status/server)."""
import json
import socket
import urllib.error
import urllib.request

import numpy as np

DEFAULT_PORT = 8125  # bert-as-service's HTTP port, `bertcpp serve`'s default


def _timeout_error(timeout_ms):
    # bert-as-service's message, so code that matches on it keeps working
    return TimeoutError(
        'no response from the server (with "timeout"=%d ms), please check the following:'
        'is the server still online? is the network broken? are "port" and "port_out" correct? '
        'are you encoding a huge amount of data whereas the timeout is too small for that?' % timeout_ms)


class HttpServer(object):
    """One bertcpp server at http://ip:port. Every call raises on failure; nothing falls back
    to encoding in this process."""

    def __init__(self, ip, port=DEFAULT_PORT, timeout=-1, api_key=None):
        host = ip if ip.startswith(("http://", "https://")) else "http://%s:%d" % (
            "[%s]" % ip if ":" in ip and not ip.startswith("[") else ip, port)
        self.url = host.rstrip("/")
        self.timeout_ms = timeout
        self.api_key = api_key

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.api_key:
            req.add_header("Authorization", "Bearer " + self.api_key)
        timeout = None if self.timeout_ms is None or self.timeout_ms < 0 else self.timeout_ms / 1000.0
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise self._server_error(e) from None
        except (socket.timeout, TimeoutError):
            raise _timeout_error(self.timeout_ms) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise _timeout_error(self.timeout_ms) from None
            raise ConnectionError(
                "cannot reach the bertcpp server at %s: %s. Start one with `bertcpp serve`, check ip/port, "
                "or create BertClient() without ip to encode in this process" % (self.url, e.reason)) from None

    def _server_error(self, e):
        try:
            message = json.loads(e.read().decode("utf-8"))["error"]["message"]
        except Exception:
            message = e.reason
        text = "bertcpp server at %s answered %d: %s" % (self.url, e.code, message)
        if e.code == 401:
            return PermissionError(text)
        if e.code in (400, 413):
            return ValueError(text)
        if e.code == 504:
            return _timeout_error(self.timeout_ms if self.timeout_ms is not None else -1)
        return RuntimeError(text)

    def status(self):
        return self._call("GET", "/status/server")

    def encode(self, request_id, texts, is_tokenized, show_tokens):
        """(float32 vectors, tokens or None) for one request."""
        out = self._call("POST", "/encode", {"id": request_id, "texts": texts, "is_tokenized": bool(is_tokenized),
                                              "show_tokens": bool(show_tokens)})
        return np.asarray(out["result"], dtype=np.float32), out.get("tokens")
