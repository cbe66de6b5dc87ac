"""How ``clusterbridge serve`` runs uvicorn: one process, or several workers on one socket.

With several workers uvicorn binds the listening socket itself and hands it to each worker; the
connections accepted from it do not get ``TCP_NODELAY`` (asyncio sets it only on sockets it made
for TCP), so every small answer waited about 40 ms for the client's delayed ACK (measured: 44 ms
for /healthz with two workers, 2 ms with one). :class:`NoDelayHTTPProtocol` sets it on every
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

logger = logging.getLogger(__name__)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol, with Nagle's algorithm off on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        sock: Any = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def run(host: str = "127.0.0.1", port: int = 8000,
        workers: int | None = None) -> None:  # pragma: no cover - runs a server
    """Serve on ``host:port`` with ``workers`` processes (default: the number of cores)."""
    import uvicorn

    from .main import create_app

    workers = workers or os.cpu_count() or 1
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(f"ClusterBridge: starting {workers} worker(s) on http://{host}:{port}/ "  # noqa: T201
          "(loading the bundle first)", flush=True)
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, log_level="info",
                    http=NoDelayHTTPProtocol)
    else:
        # Each worker process builds its app from the environment; they share the database.
        uvicorn.run("service.main:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", http=NoDelayHTTPProtocol)
