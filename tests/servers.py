"""A real uvicorn server in a thread, on a free loopback port, for tests that need HTTP."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from service.main import create_app
from service.serving import guarded_config
from service.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 120,
               log: Path | None = None) -> None:
    """Poll ``base``/readyz until it answers 200; fail if ``process`` exits or time runs out
    (with the end of ``log`` when given)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError("server exited" + (f": {log.read_text()[-2000:]}" if log else ""))
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("server not ready")
        time.sleep(0.05)


@contextmanager
def running(settings: Settings, timeout: float = 180) -> Iterator[str]:
    """Serve ``settings`` on 127.0.0.1; yields the base URL."""
    port = free_port()
    # Served as `clusterbridge serve` serves: with the connection guard.
    server = uvicorn.Server(guarded_config(create_app(settings), settings, host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
