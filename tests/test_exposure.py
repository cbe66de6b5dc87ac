"""Exposed to the internet: what an outside probe found, each as a regression test.

The slow test runs ``clusterbridge serve`` with a low file limit and holds hundreds of idle and
half-sent connections open against it (loopback only, bounded in count and time).
"""

from __future__ import annotations

import logging
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.querylinks import pack
from service.serving import OncePerInterval
from tests.servers import free_port
from tests.test_api import AUTH, TOKEN, make_settings
from tests.test_scale_out import environment

#: The file limit of the served process, and how many connections the test holds against it.
FILE_LIMIT = 700
CAP = 100
HELD = 450


def test_a_repeated_log_record_passes_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tests.exposure.accept")
    log.addFilter(OncePerInterval(60.0))
    with caplog.at_level(logging.ERROR, logger="tests.exposure.accept"):
        for _ in range(5000):
            log.error("socket.accept() out of system resource\nsocket: <socket fd=7>")
        log.error("another error")
    assert [r.getMessage().split("\n")[0] for r in caplog.records] == [
        "socket.accept() out of system resource", "another error"]


def _hold(port: int, kind: int) -> socket.socket:
    """A connection that sends nothing (0), half its headers (1), or a body it announced only in
    part (2)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if kind == 1:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    elif kind == 2:
        sock.sendall(b"POST /api/v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 5000\r\n\r\n{\"profile\": ")
    return sock


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_idle_and_half_sent_connections_do_not_take_the_server_down(tmp_path: Path) -> None:
    env = environment(tmp_path, str(tmp_path / "db.sqlite3"), CLUSTERBRIDGE_REQUEST_TIMEOUT_S="3",
                      CLUSTERBRIDGE_MAX_CONNECTIONS=str(CAP))
    port = free_port()
    log = tmp_path / "serve.log"

    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))

    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port),
                                    "--workers", "1"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, preexec_fn=low_file_limit)
    base = f"http://127.0.0.1:{port}"
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.1)
        for i in range(HELD):  # more than the file limit allows
            held.append(_hold(port, i % 3))
        time.sleep(0.5)
        took = []
        with httpx.Client(timeout=5) as client:
            for _ in range(5):
                start = time.monotonic()
                assert client.get(base + "/healthz", headers={"Connection": "close"}) \
                    .status_code == 200
                took.append(time.monotonic() - start)
        assert max(took) < 1.0, took
        # The held connections are closed: by the cap at once, or after the request timeout.
        time.sleep(3.5)
        assert sum(_closed(s) for s in held) == len(held)
        assert httpx.get(base + "/healthz", timeout=2).status_code == 200
        assert log.stat().st_size < 50_000, log.read_text()[-2000:]
    finally:
        for s in held:
            s.close()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


#: Every kind of route that shows data (GET unless a method is given).
DATA_ROUTES = ["/", "/?q=photonics", "/clusters/de-aero", "/clusters/de-aero/feed.atom",
               "/outcomes", "/network", "/coverage",
               "/coverage/cell?field=Photonics&region=Eastern%20Asia",
               "/match?p=" + pack({"name": "X", "country": "FR", "description": "Lasers."}),
               "/reports", "/openapi.json", "/docs", "/api/v1/profiles", "/api/v1/outcomes",
               "/api/v1/network", "/api/v1/coverage", "/api/v1/profiles/de-aero/matches"]


def test_the_read_token_covers_every_route_that_shows_data(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, read_token_required=True))) as c:
        for path in DATA_ROUTES:
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403, path
            assert c.get(path, headers=AUTH).status_code == 200, path
        assert c.post("/match", data={"name": "X", "country": "FR"}).status_code == 401
        assert c.post("/reports", data={"token": "x"}).status_code == 401
        # A feed reader puts the token in the URL; a browser signed in sends the cookie.
        assert c.get("/clusters/de-aero/feed.atom", params={"token": TOKEN}).status_code == 200
        c.cookies.set("cb_token", TOKEN)
        assert c.get("/clusters/de-aero").status_code == 200
        c.cookies.clear()
        # Health, static assets and the forms that carry their own token stay open.
        for path in ("/healthz", "/readyz", "/static/style.css", "/docs-assets/swagger-ui.css"):
            assert c.get(path).status_code == 200, path
        assert c.post("/clusters/de-aero/signin", data={"token": "wrong"}).status_code == 403
        assert c.post("/clusters/de-aero/feedback", data={
            "candidate": "ca-aero-mutual", "status": "interested"}).status_code == 401
