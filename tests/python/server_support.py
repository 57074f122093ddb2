"""Starting `bertcpp serve` for the tests: on 127.0.0.1 only, on a port the server picks
(--port 0, read back from its first line), with small raw HTTP helpers."""
import http.client
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_binary():
    """The freshly built command (build/src/cli/bertcpp), else the one installed in the venv."""
    built = os.path.join(REPO, os.environ.get("BUILD_DIR", "build"), "src", "cli", "bertcpp")
    if os.path.exists(built):
        return built
    return os.path.join(os.path.dirname(sys.executable), "bertcpp")


class Server(object):
    def __init__(self, *args):
        self.proc = subprocess.Popen([server_binary(), "serve", "--host", "127.0.0.1", "--port", "0"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._first_line(timeout=60)
        if "listening on http://127.0.0.1:" not in line:
            self.stop()
            raise RuntimeError("bertcpp serve did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(line.rsplit(":", 1)[1])

    def _first_line(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
        return self.proc.stdout.readline().strip()

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers dict, parsed JSON or text) of one request on a new connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode("utf-8")
            conn.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
            res = conn.getresponse()
            raw = res.read()
            ctype = res.getheader("Content-Type", "")
            payload = json.loads(raw) if ctype.startswith("application/json") else raw.decode("utf-8")
            return res.status, dict(res.getheaders()), payload
        finally:
            conn.close()

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    def metric(self, name):
        status, _, text = self.get("/metrics")
        assert status == 200
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)

    def terminate(self, timeout=60, sig=signal.SIGTERM):
        """SIGTERM (or `sig`), then the exit code and the output."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def stop(self):
        """SIGTERM if still running; returns (exit code, stderr) of that stop, or None."""
        if self.proc.poll() is not None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        stopped = self.stop()
        # A drained server exits 0; under ASan a leak found at exit makes it fail here.
        if exc_type is None and stopped is not None:
            code, err = stopped
            assert code == 0, "server exited %s on SIGTERM: %s" % (code, str(err)[-2000:])


def wait_until(predicate, timeout=30, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# Vectors from the server equal in-process ones bit for bit when both come from the same build.
# A sanitizer build of the server (BUILD_DIR=build-asan) is compiled differently from the
# installed module, so such runs set BERTCPP_SERVER_TOLERANCE (e.g. 1e-5) instead.
TOLERANCE = float(os.environ.get("BERTCPP_SERVER_TOLERANCE", "0"))


def same_vectors(got, expected):
    import numpy as np
    got, expected = np.asarray(got, dtype=np.float32), np.asarray(expected, dtype=np.float32)
    if TOLERANCE == 0:
        return np.array_equal(got, expected)
    return got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=TOLERANCE)


def check_full_queue_is_503(server_args, path, body, clients=12):
    """Starts a server with --max-queue 1 and a small batch budget, sends body to path from
    `clients` threads at once: some must be refused with 503 and Retry-After, the rest answered."""
    with Server(*server_args, "--threads", "1", "--max-queue", "1", "--max-batch-tokens", "64") as s:
        results = []

        def send():
            results.append(s.post(path, body))
        threads = [threading.Thread(target=send) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        busy = [r for r in results if r[0] == 503]
        assert busy, [r[0] for r in results]
        assert all(r[1]["Retry-After"] == "1" and "--max-queue" in r[2]["error"]["message"] for r in busy)
        assert all(r[0] in (200, 503) for r in results)
