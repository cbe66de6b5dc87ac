"""The load generator's clients (``bench.load``) against a plain HTTP server: each client mode
counts every answer and every error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bench.load import run_level


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn answers
    served: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.served.append(self.path)
        missing = "/missing/" in self.path
        body = b'{"detail": "no such profile"}' if missing else b'{"matches": []}'
        self.send_response(404 if missing else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    _Answers.served = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("mode", [{}, {"coroutines": True}])
def test_clients_count_answers_and_errors(server: ThreadingHTTPServer, mode: dict[str, bool]) -> None:
    port = server.server_address[1]
    rps, latencies, errors = run_level(port, ["a", "missing"], 3, 0.5, **mode)
    served = _Answers.served
    assert len(latencies) == len(served) > 10 and rps == len(latencies) / 0.5
    assert all(ms > 0 for ms in latencies)
    assert errors == sum("/missing/" in path for path in served) > 0
    assert all(path.endswith("/matches?top=10") for path in served)
