"""How ``clusterbridge serve`` runs uvicorn: one process, or several workers on one socket, each
guarded against clients that hold connections open.

- :class:`NoDelayHTTPProtocol`: with several workers uvicorn binds the listening socket itself;
  the connections accepted from it do not get ``TCP_NODELAY`` (asyncio sets it only on sockets
  it made), so every small answer waited about 40 ms for the client's delayed ACK (44 ms for
  /healthz with two workers, 2 ms with one). The protocol sets it on every connection.
- :class:`GuardedHTTPProtocol`: uvicorn closes an idle connection only after an answer (its
  keep-alive timeout); a connection that sends nothing, half its headers, or announces a body and
  never sends it stayed open forever, and 20,000 of them reached the file limit. The guard closes
  a connection that has not delivered a complete request (headers and body) within
  ``request_timeout_s`` of opening or of its previous answer, and keeps at most
  ``max_connections`` per worker: one more closes the connection that has waited longest for its
  request (a client whose request is being answered is never closed), or itself if there is none.
- :class:`OncePerInterval`: asyncio logs ``socket.accept() out of system resource`` (with a
  traceback) on every try while the file limit is reached; the filter passes one record of each
  kind per interval and counts the rest.

Everything here works below the ASGI application, so it holds whatever the routes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from .settings import Settings, get_settings

logger = logging.getLogger(__name__)

#: Connections accepted in one turn of the event loop before any of them is seen by the guard
#: (also the listen backlog); uvicorn's default of 2048 let one burst pass the file limit.
ACCEPT_BATCH = 128
#: File descriptors kept free beside the connections: the database, the bundle, libraries and
#: logs, and two accept batches (accepted, or closed but not yet released).
RESERVED_FILES = 128 + 2 * ACCEPT_BATCH
#: Loggers whose repeated records are thinned (asyncio's accept errors; uvicorn's own errors).
THINNED_LOGGERS = ("asyncio", "uvicorn.error")


class OncePerInterval(logging.Filter):
    """Pass the first record of each kind (logger and first line of the message) per
    ``interval_s``; the next one passed says how many were dropped meanwhile."""

    def __init__(self, interval_s: float = 10.0) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}
        self._dropped: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg).split("\n", 1)[0][:200])
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return False
        if len(self._last) > 1000:  # many kinds: forget them rather than grow
            self._last.clear()
        self._last[key] = now
        dropped = self._dropped.pop(key, 0)
        if dropped:
            record.msg = f"{record.msg} (and {dropped} more like it in the last " \
                         f"{self.interval_s:g} s, not logged)"
        return True


class RedactTokens(logging.Filter):
    """uvicorn's access log shows each request's path with its query; a ``token`` parameter
    (feed readers put the read token there) is logged as ``token=***``."""

    PATTERN = re.compile(r"((?:^|[?&])token=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
                isinstance(a, str) and "token=" in a for a in record.args):
            record.args = tuple(self.PATTERN.sub(r"\1***", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def thin_repeated_logs(interval_s: float = 10.0) -> None:
    """Install :class:`OncePerInterval` on the loggers of :data:`THINNED_LOGGERS`, and
    :class:`RedactTokens` on uvicorn's access log (once each)."""
    for name in THINNED_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, OncePerInterval) for f in target.filters):
            target.addFilter(OncePerInterval(interval_s))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol, with Nagle's algorithm off on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        sock: Any = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class GuardedConfig(uvicorn.Config):
    """uvicorn's config with the guard's two limits (a class of its own so that it travels to
    worker processes)."""

    def __init__(self, app: Any, *, request_timeout_s: float, max_connections: int,
                 **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.request_timeout_s = request_timeout_s
        self.max_connections = max_connections


class GuardedHTTPProtocol(NoDelayHTTPProtocol):
    """See the module docstring; the limits come from a :class:`GuardedConfig` (defaults of
    :class:`~service.settings.Settings` under any other config)."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        defaults = Settings.model_fields
        self._timeout_s: float = getattr(self.config, "request_timeout_s",
                                         defaults["request_timeout_s"].default)
        cap: int = getattr(self.config, "max_connections", defaults["max_connections"].default)
        self._since = self.loop.time()
        self._guard: asyncio.TimerHandle | None = None
        if len(self.connections) > cap:
            # Not one already closing: in a burst each new connection evicts another.
            waiting = [c for c in self.connections
                       if c is not self and isinstance(c, GuardedHTTPProtocol) and c.waiting()
                       and not c.transport.is_closing()]
            if not waiting:
                transport.close()
                return
            min(waiting, key=lambda c: c._since).expire()
        self._guard = self.loop.call_later(self._timeout_s, self._check)

    def waiting(self) -> bool:
        """Whether this connection is waiting for (the rest of) a request, not answering one."""
        cycle = getattr(self, "cycle", None)
        return cycle is None or bool(cycle.response_complete) or bool(cycle.more_body)

    def expire(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        if not self.transport.is_closing():
            self.transport.close()

    def _check(self) -> None:
        self._guard = None
        if self.transport.is_closing():
            return
        if self.waiting():
            left = self._since + self._timeout_s - self.loop.time()
            if left <= 0:
                self.expire()
                return
        else:
            left = self._timeout_s
        self._guard = self.loop.call_later(left, self._check)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._since = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_guard", None) is not None:
            self._guard.cancel()  # type: ignore[union-attr]
            self._guard = None
        super().connection_lost(exc)


def connection_cap(wanted: int, reserved: int = RESERVED_FILES) -> int:
    """``wanted`` connections per worker if the file limit allows (raising the soft limit up to
    the hard one when needed), else as many as it allows beside ``reserved`` files."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + reserved
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        cap = max(8, soft - reserved)
        logger.warning("the file limit (%d) allows %d connections per worker, not %d", soft, cap,
                       wanted)
        return cap
    return wanted


def guarded_config(app: Any, settings: Settings, **kwargs: Any) -> GuardedConfig:
    """A uvicorn config for ``app`` with the guard, the keep-alive timeout and the connection
    cap of ``settings`` (``kwargs`` go to uvicorn)."""
    return GuardedConfig(app, http=GuardedHTTPProtocol,
                         request_timeout_s=settings.request_timeout_s,
                         max_connections=connection_cap(settings.max_connections),
                         timeout_keep_alive=min(settings.keep_alive_s, settings.request_timeout_s),
                         backlog=ACCEPT_BATCH, **kwargs)


def run(host: str = "127.0.0.1", port: int = 8000,
        workers: int | None = None) -> None:  # pragma: no cover - runs a server
    """Serve on ``host:port`` with ``workers`` processes (default: the number of cores)."""
    from uvicorn.supervisors import Multiprocess

    from .main import create_app

    settings = get_settings()
    workers = workers or os.cpu_count() or 1
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    thin_repeated_logs()
    print(f"ClusterBridge: starting {workers} worker(s) on http://{host}:{port}/ "  # noqa: T201
          "(loading the bundle first)", flush=True)
    if workers == 1:
        config = guarded_config(create_app(settings), settings, host=host, port=port,
                                log_level="info")
        uvicorn.Server(config).run()
    else:
        # Each worker process builds its app from the environment; they share the database.
        config = guarded_config("service.main:create_app", settings, factory=True, host=host,
                                port=port, workers=workers, log_level="info")
        Multiprocess(config, sockets=[config.bind_socket()]).run()
