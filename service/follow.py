"""Following every German cluster's top-k, off the request path, and the alerts webhook.

:class:`Follower` is told of each new matcher (a profile write, a rebuild or reload). One
background thread waits ``alert_delay_s`` so that a burst of writes is followed once, takes the
top-k lists of the newest matcher if its catalogue version is not the stored one
(:mod:`matcher.alerts`), stores lists and alerts in one transaction, then POSTs the new alerts to
the configured webhook, signed, with retries. At most one computation runs at a time and
notifications during it collapse into one more; the work is bounded by the number of German
clusters times one match each.

The webhook body is JSON ``{"event": "alerts", "version", "created_at", "alerts": [...]}``. Each
POST carries ``X-ClusterBridge-Timestamp`` (Unix seconds) and ``X-ClusterBridge-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>." + body with the webhook secret>``, and the same
``X-ClusterBridge-Delivery`` id on every retry. A connection error, timeout, 429 or 5xx is
retried after ``webhook_backoff_s``, doubling, up to ``webhook_retries`` times; another 4xx is
final. The alerts are marked ``delivered`` or ``failed`` in the store.

Only a 2xx answer from the configured URL counts as delivered: redirects are never followed (a
3xx is a final failure), no proxy is used, and unless ``webhook_allow_private`` the connection
is refused when the address it reached (checked after connecting, so a DNS answer that changes
between look-up and connect cannot pass) is loopback, link-local, private or otherwise not
global. Deliveries run on a thread of their own, one at a time in order, so a receiver that
hangs holds up neither the follow run nor the next catalogue change.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from matcher import Matcher
from matcher.analysis.follow import follow
from matcher.outcomes.alerts import Alert
from matcher.store import ProfileStore

from .settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ClusterBridge-Signature"
TIMESTAMP_HEADER = "X-ClusterBridge-Timestamp"
DELIVERY_HEADER = "X-ClusterBridge-Delivery"
#: Seconds after which another worker may redo a follow run whose worker never finished it.
FOLLOW_LEASE_S = 600.0


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class RefusedTarget(OSError):
    """The webhook's address is not a public one (and private ones are not allowed)."""


def is_public(address: str) -> bool:
    """Whether ``address`` (an IP) is a global unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_connection(address: tuple[str, int], timeout: float | None = None,
                       source_address: tuple[str, int] | None = None,
                       *args: Any, **kwargs: Any) -> socket.socket:
    sock = socket.create_connection(address, timeout, source_address, *args, **kwargs)
    peer = sock.getpeername()[0]
    if not is_public(peer):
        sock.close()
        raise RefusedTarget(f"{address[0]} is at {peer}, not a public address")
    return sock


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req)


def opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """An opener without redirects and proxies; public addresses only unless ``allow_private``."""
    director = urllib.request.OpenerDirector()
    handlers: list[urllib.request.BaseHandler] = (
        [urllib.request.HTTPHandler(), urllib.request.HTTPSHandler()] if allow_private
        else [_PublicHTTPHandler(), _PublicHTTPSHandler()])
    for handler in (*handlers, urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        director.add_handler(handler)
    return director


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: bytes
    retries: int
    backoff_s: float
    timeout_s: float
    allow_private: bool = False

    def post(self, body: bytes, delivery: str, wait: Callable[[float], bool]) -> bool:
        """POST ``body`` until it is accepted (2xx) or retries run out; ``wait(seconds)``
        sleeps and returns True when the service is stopping (then no more retries)."""
        delay = self.backoff_s
        send = opener(self.allow_private)
        for attempt in range(self.retries + 1):
            timestamp = str(int(time.time()))
            request = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Content-Type": "application/json", "User-Agent": "ClusterBridge",
                TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                DELIVERY_HEADER: delivery})
            try:
                with send.open(request, timeout=self.timeout_s) as response:
                    response.read(65536)
                    status = response.status
                if 200 <= status < 300:
                    return True
                logger.warning("webhook answered delivery %s with %d; not delivered", delivery,
                               status)
                return False
            except urllib.error.HTTPError as exc:  # every status outside 2xx, redirects too
                if exc.code != 429 and exc.code < 500:
                    logger.warning("webhook refused delivery %s with %d; not retried", delivery,
                                   exc.code)
                    return False
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                if isinstance(getattr(exc, "reason", exc), RefusedTarget):
                    logger.warning("webhook delivery %s refused: %s (see webhook_allow_private)",
                                   delivery, getattr(exc, "reason", exc))
                    return False
                reason = type(exc).__name__
            if attempt == self.retries:
                logger.warning("webhook delivery %s failed after %d attempts (%s)", delivery,
                               attempt + 1, reason)
                return False
            logger.info("webhook delivery %s: attempt %d failed (%s); retrying in %.1f s",
                        delivery, attempt + 1, reason, delay)
            if wait(delay):
                return False
            delay *= 2
        return False


def webhook_from(settings: Settings) -> Webhook | None:
    if settings.webhook_url is None or settings.webhook_secret is None:
        return None
    return Webhook(str(settings.webhook_url), settings.webhook_secret.get_secret_value().encode(),
                   settings.webhook_retries, settings.webhook_backoff_s, settings.webhook_timeout_s,
                   settings.webhook_allow_private)


class Follower:
    """The background follow loop of one service; see the module docstring.

    Args:
        current: returns the matcher serving now (read when the work starts, so that the
            newest one is followed whatever order notifications came in).
    """

    def __init__(self, store: ProfileStore, settings: Settings,
                 current: Callable[[], Matcher]) -> None:
        self.store = store
        self.settings = settings
        self.webhook = webhook_from(settings)
        self._current = current
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._requested = 0
        self._handled = 0
        self._outbox: queue.Queue[tuple[list[Alert], Matcher] | None] = queue.Queue()
        self._sending = 0  # deliveries queued or being sent
        self._thread = threading.Thread(target=self._run, name="follow", daemon=True)
        self._thread.start()
        self._sender = threading.Thread(target=self._send, name="webhook", daemon=True)
        self._sender.start()

    def notify(self) -> None:
        """Another matcher serves now: follow its catalogue (soon, in the background)."""
        with self._cond:
            self._requested += 1
            self._cond.notify_all()

    def settle(self, timeout: float) -> bool:
        """Wait until every notification so far is handled and its alerts delivered (or given
        up); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._handled == self._requested and self._sending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._outbox.put(None)
        self._thread.join(timeout)
        self._sender.join(min(timeout, 1.0))  # a POST in flight ends by its own timeout

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping.is_set()
                                    or self._handled != self._requested)
            if self._stopping.wait(self.settings.alert_delay_s):
                return
            with self._cond:
                target = self._requested
            try:
                self.follow(self._current())
            except Exception:  # a background worker: log, keep following later changes
                logger.exception("following the top-k lists failed")
            with self._cond:
                self._handled = target
                self._cond.notify_all()

    def follow(self, matcher: Matcher) -> list[Alert]:
        """Take and store the top-k lists of ``matcher`` unless its catalogue version is the
        stored one; returns the new alerts (queued for the webhook, not yet delivered)."""
        s = self.settings
        added = follow(self.store, matcher, owner=self._owner, lease_s=FOLLOW_LEASE_S,
                       top=s.alert_top, min_score=s.alert_min_score, min_rise=s.alert_min_rise,
                       delivery="pending" if self.webhook else "none")
        if added and self.webhook is not None:
            with self._cond:
                self._sending += 1
            self._outbox.put((added, matcher))
        return added

    def _send(self) -> None:
        while True:
            item = self._outbox.get()
            if item is None:
                return
            try:
                if not self._stopping.is_set():
                    self.deliver(*item)
            except Exception:  # a background worker: log, keep delivering later alerts
                logger.exception("delivering alerts to the webhook failed")
            finally:
                with self._cond:
                    self._sending -= 1
                    self._cond.notify_all()

    def deliver(self, alerts: Sequence[Alert], matcher: Matcher) -> bool:
        if self.webhook is None:
            return False
        names = matcher.catalogue.by_id
        body = json.dumps({
            "event": "alerts",
            "version": alerts[0].version,
            "created_at": alerts[0].created_at,
            "alerts": [{**a.to_dict(),
                        "cluster_name": names[a.cluster].name if a.cluster in names else None,
                        "candidate_name": names[a.candidate].name if a.candidate in names else None}
                       for a in alerts],
        }, ensure_ascii=False, sort_keys=True).encode()
        delivery = hashlib.sha256("\n".join(a.id for a in alerts).encode()).hexdigest()[:24]
        ok = self.webhook.post(body, delivery, self._stopping.wait)
        self.store.mark_delivery([a.id for a in alerts], "delivered" if ok else "failed")
        return ok
