"""Follow and alerts: the top-k diff, the follow loop on a real matcher, the signed webhook with
retries against a local receiver, and the Atom document read by feedparser."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from matcher import Catalogue, Matcher, Profile
from matcher.outcomes.alerts import Alert, Entry, alerts_between, diff_topk
from matcher.store import SQLiteStore
from service.feeds import atom_feed
from service.follow import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, Follower, Webhook, sign
from service.i18n import Words
from service.settings import Settings
from tests.conftest import CATALOGUE_DIR

SECRET = "webhook-secret-0123456789"


def entries(*ids: str, score: float = 0.9) -> list[Entry]:
    return [Entry(c, place, score) for place, c in enumerate(ids, start=1)]


def test_new_and_moved_up_entries_above_the_threshold() -> None:
    before = entries("a", "b", "c", "d", "e")
    after = [Entry("e", 1, 0.95), Entry("a", 2, 0.9), Entry("x", 3, 0.9), Entry("b", 4, 0.9),
             Entry("y", 5, 0.5)]
    changes = diff_topk(before, after, min_score=0.8, min_rise=2)
    # e rose 4 places; x is new; y is new but below the threshold; a and b moved down.
    assert [(e.candidate, old) for e, old in changes] == [("e", 5), ("x", None)]
    assert [(e.candidate, old) for e, old in diff_topk(before, after, min_score=0.0, min_rise=5)] \
        == [("x", None), ("y", None)]


def test_the_first_list_of_a_cluster_is_its_baseline() -> None:
    alerts = alerts_between({"g1": entries("a")}, {"g1": entries("b", "a"), "g2": entries("c")},
                            previous_version="v1", version="v2", created_at="t", min_score=0.0,
                            min_rise=1)
    assert [(a.cluster, a.candidate, a.kind) for a in alerts] == [("g1", "b", "new")]
    again = alerts_between({"g1": entries("a")}, {"g1": entries("b", "a")}, previous_version="v1",
                           version="v2", created_at="later", min_score=0.0, min_rise=1)
    assert again[0].id == alerts[0].id  # the same change between the same versions: one id


def twin(catalogue: Catalogue, source: str, new_id: str, country: str) -> Profile:
    from dataclasses import replace

    return replace(catalogue.get(source), id=new_id, name=f"Test Photonics {country}",
                   country=country, region="")


def follow_settings(tmp: Path, **changes: object) -> Settings:
    values: dict[str, object] = {"data_dir": CATALOGUE_DIR, "models_dir": tmp / "models",
                                 "database": tmp / "db.sqlite3", "embedder": "hashing-384",
                                 "report_dir": tmp / "reports", "alert_top": 5,
                                 "alert_min_score": 0.0, "alert_delay_s": 0.0}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def test_follow_alerts_once_per_catalogue_change(tmp_path: Path, catalogue: Catalogue,
                                                 hashing_matcher: Matcher) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    store.seed(catalogue)
    current = [hashing_matcher]
    follower = Follower(store, follow_settings(tmp_path), lambda: current[0])
    try:
        assert follower.follow(hashing_matcher) == []  # baseline
        baseline = store.snapshots()
        assert set(baseline) == {"de-aero", "de-aero-home", "de-photonics"}
        assert all(len(v) == 5 for v in baseline.values())
        assert follower.follow(hashing_matcher) == []  # same version: nothing taken again
        updated = hashing_matcher.with_profile(twin(catalogue, "jp-photonics-1", "tw-photonics", "TW"))
        alerts = follower.follow(updated)
        assert ("de-photonics", "tw-photonics", "new") in {(a.cluster, a.candidate, a.kind)
                                                            for a in alerts}
        assert store.alerts("de-photonics")[0].candidate in {a.candidate for a in alerts}
        assert follower.follow(updated) == []
        # A dismissed candidate leaves the list and is never alerted again.
        from matcher.outcomes.feedback import Feedback

        store.record_feedback(Feedback("de-photonics", "tw-photonics", "not_relevant",
                                       "wrong_size", at="2025-01-01T00:00:00.000000Z"))
        again = updated.with_profile(twin(catalogue, "jp-photonics-2", "cn-photonics", "CN"))
        follower.follow(again)
        assert "tw-photonics" not in {e.candidate for e in store.snapshots()["de-photonics"]}
    finally:
        follower.close()
        store.close()


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next of ``codes`` (then 200)."""

    def __init__(self, codes: list[int], location: str | None = None,
                 hold: threading.Event | None = None) -> None:
        self.codes = list(codes)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if hold is not None:  # a receiver that hangs (bounded: the test sets it)
                    hold.wait(30)
                self.send_response(receiver.codes.pop(0) if receiver.codes else 200)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    r = Receiver(getattr(request, "param", []))
    yield r
    r.close()


def hook(url: str, retries: int = 4, backoff: float = 0.5, allow_private: bool = True) -> Webhook:
    # The receivers of these tests are on loopback: allowed explicitly.
    return Webhook(url, SECRET.encode(), retries, backoff, 5.0, allow_private)


def no_sleep(delays: list[float]):  # type: ignore[no-untyped-def]
    def wait(seconds: float) -> bool:
        delays.append(seconds)
        return False

    return wait


@pytest.mark.parametrize("receiver", [[500, 503, 200]], indirect=True)
def test_webhook_retries_with_backoff_and_signs_every_attempt(receiver: Receiver) -> None:
    body = json.dumps({"event": "alerts", "alerts": []}).encode()
    delays: list[float] = []
    assert hook(receiver.url).post(body, "delivery-1", no_sleep(delays))
    assert len(receiver.requests) == 3 and delays == [0.5, 1.0]
    for headers, received in receiver.requests:
        assert received == body and headers[DELIVERY_HEADER.lower()] == "delivery-1"
        expected = sign(SECRET.encode(), headers[TIMESTAMP_HEADER.lower()], body)
        assert headers[SIGNATURE_HEADER.lower()] == expected
    assert sign(b"another secret", "1", body) != sign(SECRET.encode(), "1", body)


@pytest.mark.parametrize("receiver", [[500] * 10], indirect=True)
def test_webhook_gives_up_after_its_retries(receiver: Receiver) -> None:
    delays: list[float] = []
    assert not hook(receiver.url, retries=2).post(b"{}", "d", no_sleep(delays))
    assert len(receiver.requests) == 3 and delays == [0.5, 1.0]


@pytest.mark.parametrize("receiver", [[400]], indirect=True)
def test_webhook_refusal_is_not_retried(receiver: Receiver) -> None:
    assert not hook(receiver.url).post(b"{}", "d", no_sleep([]))
    assert len(receiver.requests) == 1


def test_webhook_connection_errors_are_retried_and_stop_when_the_service_stops() -> None:
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/nobody"
    delays: list[float] = []
    assert not hook(url, retries=2, backoff=0.01).post(b"{}", "d", no_sleep(delays))
    assert delays == [0.01, 0.02]
    stopping: list[float] = []
    assert not hook(url, retries=5).post(b"{}", "d", lambda s: stopping.append(s) or True)
    assert stopping == [0.5]  # no further attempt once stopping


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_webhook_redirects_are_never_followed(code: int) -> None:
    target = Receiver([])
    redirecting = Receiver([code], location=target.url)
    try:
        assert not hook(redirecting.url).post(b"{}", "d", no_sleep([]))
        assert len(redirecting.requests) == 1 and target.requests == []
    finally:
        target.close()
        redirecting.close()


@pytest.mark.parametrize("receiver", [[202], [204]], indirect=True)
def test_webhook_any_2xx_is_delivered(receiver: Receiver) -> None:
    assert hook(receiver.url).post(b"{}", "d", no_sleep([]))


def test_webhook_refuses_loopback_link_local_and_private_targets(receiver: Receiver) -> None:
    from service.follow import is_public

    delays: list[float] = []
    assert not hook(receiver.url, allow_private=False).post(b"{}", "d", no_sleep(delays))
    assert receiver.requests == [] and delays == []  # refused at once, never retried
    assert not hook(receiver.url.replace("127.0.0.1", "localhost"),
                    allow_private=False).post(b"{}", "d", no_sleep(delays))
    for address in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                    "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                    "224.0.0.1"):
        assert not is_public(address), address
    assert is_public("93.184.216.34") and is_public("2606:4700::6810:84e5")
    assert Settings(webhook_url="https://hooks.example.org/x", webhook_secret=SECRET) \
        .webhook_allow_private is False


def test_a_hanging_receiver_does_not_hold_up_the_follow_run(
        tmp_path: Path, catalogue: Catalogue, hashing_matcher: Matcher) -> None:
    hold = threading.Event()
    receiver = Receiver([], hold=hold)
    store = SQLiteStore(tmp_path / "db.sqlite3")
    store.seed(catalogue)
    settings = follow_settings(tmp_path, webhook_url=receiver.url, webhook_secret=SECRET,
                               webhook_timeout_s=30, webhook_allow_private=True)
    follower = Follower(store, settings, lambda: hashing_matcher)
    try:
        assert follower.follow(hashing_matcher) == []  # baseline
        updated = hashing_matcher.with_profile(twin(catalogue, "jp-photonics-1", "tw-photonics", "TW"))
        start = time.monotonic()
        alerts = follower.follow(updated)
        assert alerts and time.monotonic() - start < 5  # not the receiver's 30 s
        assert not follower.settle(0.5)  # the delivery waits on the receiver
        assert store.delivery(alerts[0].id) == "pending"
        hold.set()
        assert follower.settle(30)
        assert store.delivery(alerts[0].id) == "delivered"
    finally:
        hold.set()
        follower.close()
        store.close()
        receiver.close()


def alert(n: int, kind: str = "new") -> Alert:
    return Alert(f"id{n}", "de-photonics", "kr-photonics", kind, 2, None if kind == "new" else 6,
                 0.91, "v", f"2025-02-0{n}T08:00:00.000000Z")


def test_atom_document_is_a_valid_feed(catalogue: Catalogue) -> None:
    words = Words("en", catalogue.reference.taxonomy)
    names = {p.id: p.name for p in catalogue.profiles}
    cluster = catalogue.get("de-photonics")
    body = atom_feed(cluster, [alert(2, "up"), alert(1)], names, words.t, words.num, "en")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "New partner suggestions for Test Photonics Jena"
    assert [e.title for e in parsed.entries] == [
        "Moved up: Test Photonics Korea (from place 6 to 2)",
        "New suggestion: Test Photonics Korea (place 2)"]
    assert parsed.entries[0].link == "/clusters/kr-photonics"
    assert parsed.entries[0].updated_parsed[:3] == (2025, 2, 2)
    assert len({e.id for e in parsed.entries}) == 2
    assert all(e.id.startswith("urn:uuid:") for e in parsed.entries)
    german = Words("de", catalogue.reference.taxonomy)
    de = feedparser.parse(atom_feed(cluster, [alert(1)], names, german.t, german.num, "de"))
    assert not de.bozo and de.entries[0].title.startswith("Neuer Vorschlag")
    empty = feedparser.parse(atom_feed(cluster, [], names, words.t, words.num, "en"))
    assert not empty.bozo and empty.version == "atom10" and empty.entries == []
