"""16 clients read matches while 4 write one profile for 20 seconds: no error, no lost update;
4 clients mark suggestions while 4 write a profile: no mark and no write lost. Each on SQLite
and on PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from service.settings import Settings
from tests.conftest import CATALOGUE_DIR
from tests.servers import running

pytestmark = pytest.mark.slow
#: How long readers and writers run (feedback and writes: half of it). Every run makes hundreds of
#: requests; a longer soak: CLUSTERBRIDGE_CONCURRENCY_S=60 .venv/bin/pytest tests/test_concurrency.py
SECONDS = float(os.environ.get("CLUSTERBRIDGE_CONCURRENCY_S", "8"))
TOKEN = "conc-token"


def count_writes(base: str, deadline: float, lock: threading.Lock, statuses: Counter[str],
                 acknowledged: Counter[str]) -> None:
    """Until ``deadline``: read kr-photonics, write its description counter plus one with
    If-Match, and count the answers (200s in ``acknowledged["writes"]``)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        while time.monotonic() < deadline:
            current = client.get("/api/v1/profiles/kr-photonics").json()
            count = int(current["description"].rsplit(" ", 1)[-1].rstrip(".") or 0) \
                if current["description"].startswith("Counter") else 0
            body = {k: current[k] for k in ("name", "country", "fields", "offers",
                                            "seeks", "roles", "kind", "region")}
            body["description"] = f"Counter {count + 1}."
            r = client.put("/api/v1/profiles/kr-photonics", json=body,
                           headers={"If-Match": str(current["version"])})
            with lock:
                statuses[f"write {r.status_code}"] += 1
                if r.status_code == 200:
                    acknowledged["writes"] += 1


def run_together(threads: list[threading.Thread], writers: int, args: tuple[object, ...]) -> None:
    """Start ``threads`` and ``writers`` threads of :func:`count_writes`; wait for all."""
    threads = threads + [threading.Thread(target=count_writes, args=args) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_readers_and_writers(tmp_path: Path, database: str) -> None:
    settings = Settings(data_dir=CATALOGUE_DIR, models_dir=tmp_path / "models",
                        database=database, embedder="hashing-384",
                        api_token=SecretStr(TOKEN), writes_per_minute=100_000,
                        report_dir=tmp_path / "reports")
    statuses: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    lock = threading.Lock()
    with running(settings) as base:
        deadline = time.monotonic() + SECONDS

        def reader(n: int) -> None:
            ids = ["de-aero", "de-photonics", "kr-photonics", "za-med"]
            with httpx.Client(base_url=base, timeout=30) as client:
                while time.monotonic() < deadline:
                    r = client.get(f"/api/v1/profiles/{ids[n % 4]}/matches", params={"top": 5})
                    with lock:
                        statuses[f"read {r.status_code}"] += 1

        run_together([threading.Thread(target=reader, args=(i,)) for i in range(16)],
                     writers=4, args=(base, deadline, lock, statuses, acknowledged))
        final = httpx.get(f"{base}/api/v1/profiles/kr-photonics").json()
    # Readers never fail; writers only ever see success or a 409 for a stale version.
    assert {k for k in statuses if k.startswith("read")} == {"read 200"}, statuses
    assert set(k for k in statuses if k.startswith("write")) <= {"write 200", "write 409"}, statuses
    assert statuses["read 200"] > 100 and acknowledged["writes"] > 10
    # No lost update: every acknowledged write incremented the counter exactly once.
    assert final["description"] == f"Counter {acknowledged['writes']}."
    assert final["version"] == acknowledged["writes"] + 1


def test_feedback_and_profile_writes_at_once_lose_nothing(tmp_path: Path, database: str) -> None:
    """4 clients mark suggestions (two with cluster tokens) while 4 write a profile and the
    follow loop re-takes every top-k after each write: every acknowledged mark is in the
    history, in order, and every acknowledged profile write counted once."""
    from matcher.outcomes import tokens
    from matcher.store import open_store, utc_now

    settings = Settings(data_dir=CATALOGUE_DIR, models_dir=tmp_path / "models",
                        database=database, embedder="hashing-384",
                        api_token=SecretStr(TOKEN), writes_per_minute=100_000,
                        report_dir=tmp_path / "reports", alert_delay_s=0.1, alert_min_score=0.0)
    seconds = SECONDS / 2
    cycle = ["interested", "contacted", "meeting", "agreement"]
    pairs = [("de-aero", "ca-aero-mutual"), ("de-aero", "jp-photonics-1"),
             ("de-photonics", "jp-photonics-2"), ("de-photonics", "us-photonics")]
    marks: dict[tuple[str, str], list[str]] = {p: [] for p in pairs}
    statuses: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    lock = threading.Lock()
    with running(settings) as base:
        store = open_store(settings.database)  # a second connection, as the CLI would open
        issued = {}
        for cluster in ("de-aero", "de-photonics"):
            token, record = tokens.issue(cluster, utc_now())
            store.add_token(record)
            issued[cluster] = token
        store.close()
        deadline = time.monotonic() + seconds

        def marker(n: int) -> None:
            cluster, candidate = pairs[n]
            token = issued[cluster] if n % 2 else TOKEN
            with httpx.Client(base_url=base, timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as client:
                i = 0
                while time.monotonic() < deadline:
                    status = cycle[i % len(cycle)]
                    r = client.post(f"/api/v1/profiles/{cluster}/feedback",
                                    json={"candidate": candidate, "status": status})
                    with lock:
                        statuses[f"feedback {r.status_code}"] += 1
                    if r.status_code == 201:
                        marks[(cluster, candidate)].append(status)
                    i += 1

        run_together([threading.Thread(target=marker, args=(i,)) for i in range(4)],
                     writers=4, args=(base, deadline, lock, statuses, acknowledged))
        final = httpx.get(f"{base}/api/v1/profiles/kr-photonics").json()
        history = {c: httpx.get(f"{base}/api/v1/profiles/{c}/feedback",
                                 headers={"Authorization": f"Bearer {TOKEN}"}).json()["history"]
                   for c in ("de-aero", "de-photonics")}
    print(f"\n{dict(statuses)}")
    assert set(statuses) <= {"feedback 201", "write 200", "write 409"}, statuses
    assert statuses["feedback 201"] > 40 and acknowledged["writes"] > 5, statuses
    for (cluster, candidate), sent in marks.items():
        stored = [e["status"] for e in history[cluster] if e["candidate"] == candidate]
        assert stored == sent, (cluster, candidate)
    assert final["description"] == f"Counter {acknowledged['writes']}."
    assert final["version"] == acknowledged["writes"] + 1
