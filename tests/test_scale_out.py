"""Several workers and several hosts: real server processes sharing one database.

- Two hosts: two service processes on different ports, each with its own models and report
  folders, share one PostgreSQL; a profile written or a suggestion dismissed through one is in
  (or out of) the other's matches within a second, and the write limit counts both.
- Several workers: ``clusterbridge serve --workers 2`` on one SQLite file; a write is in every
  worker's answers within a second, the write limit holds across the workers, and a report
  started through one worker is known to all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import CATALOGUE_DIR
from tests.servers import free_port, wait_ready

pytestmark = pytest.mark.slow
TOKEN = "scale-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW = {"name": "Lyon Photonics Valley", "country": "FR", "fields": ["Photonics"],
       "description": "Laser sources and optical metrology for precision manufacturing."}


@contextmanager
def serving(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """``clusterbridge serve`` in a subprocess until ready; yields its base URL."""
    port = free_port()
    log = Path(env["CLUSTERBRIDGE_MODELS_DIR"]).parent / f"serve-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers",
             str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log=log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


#: One write-limit window for the whole test (about 31 years), so no count is cut by a new minute.
ONE_WINDOW = {"CLUSTERBRIDGE_WRITE_WINDOW_S": str(10**9)}


def environment(tmp: Path, database: str, **more: str) -> dict[str, str]:
    return {**os.environ, "CLUSTERBRIDGE_DATA_DIR": str(CATALOGUE_DIR),
            "CLUSTERBRIDGE_MODELS_DIR": str(tmp / "models"), "CLUSTERBRIDGE_DATABASE": database,
            "CLUSTERBRIDGE_REPORT_DIR": str(tmp / "reports"),
            "CLUSTERBRIDGE_EMBEDDER": "hashing-384", "CLUSTERBRIDGE_API_TOKEN": TOKEN,
            "HF_HUB_OFFLINE": "1", **more}


def suggested(base: str, cluster: str, headers: dict[str, str] | None = None) -> list[str]:
    """The cluster's list; with ``headers`` carrying its (or the admin) token, its dismissals apply."""
    r = httpx.get(f"{base}/api/v1/profiles/{cluster}/matches",
                  params={"top": 100, "diversity": "false"}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return [m["id"] for m in r.json()["matches"]]


def seconds_until(condition: object, limit: float = 5.0) -> float:
    """Seconds until ``condition()`` holds (polled every 20 ms); fails after ``limit``."""
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - start < limit, "never visible"
        time.sleep(0.02)
    return time.monotonic() - start


def test_two_hosts_share_one_postgres(tmp_path: Path, postgres_url: str) -> None:
    first = environment(tmp_path / "a", postgres_url, CLUSTERBRIDGE_WRITES_PER_MINUTE="6", **ONE_WINDOW)
    second = environment(tmp_path / "b", postgres_url, CLUSTERBRIDGE_WRITES_PER_MINUTE="6", **ONE_WINDOW)
    with serving(first) as a, serving(second) as b:
        assert "fr-lyon-photonics" not in suggested(b, "de-photonics")
        written = httpx.put(f"{a}/api/v1/profiles/fr-lyon-photonics", json=NEW, headers=AUTH)
        assert written.status_code == 201, written.text
        seen = seconds_until(lambda: "fr-lyon-photonics" in suggested(b, "de-photonics"))
        assert seen < 1.0, f"the write reached the second host after {seen:.2f} s"

        dismissed = httpx.post(f"{b}/api/v1/profiles/de-photonics/feedback", headers=AUTH,
                               json={"candidate": "fr-lyon-photonics", "status": "not_relevant",
                                     "reason": "wrong_field"})
        assert dismissed.status_code == 201, dismissed.text
        # Dismissals are the cluster's own: the list read with a token leaves the candidate out.
        gone = seconds_until(lambda: "fr-lyon-photonics" not in suggested(a, "de-photonics", AUTH))
        assert gone < 1.0, f"the mark reached the first host after {gone:.2f} s"
        print(f"\nsecond host: the write visible after {seen:.2f} s, the mark after {gone:.2f} s")

        # Two writes so far (the profile and the mark: one writer, one budget); six per window
        # across both hosts.
        codes = [httpx.put(f"{(a, b)[i % 2]}/api/v1/profiles/fr-lyon-photonics", headers=AUTH,
                           json={**NEW, "description": f"Rewritten {i}."}).status_code
                 for i in range(8)]
        assert codes.count(200) == 4 and codes.count(429) == 4, codes


def test_workers_share_writes_limits_and_reports(tmp_path: Path) -> None:
    env = environment(tmp_path, str(tmp_path / "db.sqlite3"),
                      CLUSTERBRIDGE_WRITES_PER_MINUTE="5", **ONE_WINDOW)
    with serving(env, workers=2) as base:
        started = httpx.post(f"{base}/api/v1/reports", headers=AUTH,
                             json={"top": 3, "formats": ["csv"]})
        assert started.status_code == 202, started.text
        report = started.json()["id"]
        # Whichever worker answers knows the report (each request may reach either worker).
        assert {httpx.get(f"{base}/api/v1/reports/{report}").status_code for _ in range(20)} \
            == {200}

        written = httpx.put(f"{base}/api/v1/profiles/fr-lyon-photonics", json=NEW, headers=AUTH)
        assert written.status_code == 201, written.text
        time.sleep(1.0)
        assert all("fr-lyon-photonics" in suggested(base, "de-photonics") for _ in range(20))

        # Two writes so far (the report and the profile); five per minute across the workers.
        codes = [httpx.put(f"{base}/api/v1/profiles/fr-lyon-photonics", headers=AUTH,
                           json={**NEW, "description": f"Rewritten {i}."}).status_code
                 for i in range(6)]
        assert codes.count(200) == 3 and codes.count(429) == 3, codes


def test_a_client_reads_its_own_writes_on_any_worker(tmp_path: Path) -> None:
    """Workers sync at most every second here (the most the setting allows): without the data
    version the client presents, a read right after its write often reached the worker that had
    not synced yet (stale for up to 0.22 s at the default interval)."""
    env = environment(tmp_path, str(tmp_path / "db.sqlite3"), CLUSTERBRIDGE_SYNC_INTERVAL_S="1.0",
                      **ONE_WINDOW)
    fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection, any worker, each time
    with serving(env, workers=2) as base:
        # A browser or a client with a cookie jar: the cookie of its last write.
        with httpx.Client(base_url=base, limits=fresh, timeout=10) as client:
            for i in range(8):
                name = f"Readback{i} Photonics"
                written = client.put("/api/v1/profiles/fr-lyon-photonics", headers=AUTH,
                                     json={**NEW, "name": name})
                assert written.status_code in (200, 201), written.text
                assert int(written.headers["x-data-version"]) > 0
                for _ in range(3):
                    found = client.get("/api/v1/profiles", params={"q": f"Readback{i}"}).json()
                    assert found["count"] == 1, (i, found)
        # A client without cookies sends the version it got back as a header.
        for i in range(8, 14):
            name = f"Readback{i} Photonics"
            written = httpx.put(f"{base}/api/v1/profiles/fr-lyon-photonics", headers=AUTH,
                                json={**NEW, "name": name})
            version = {"X-Data-Version": written.headers["x-data-version"]}
            for _ in range(3):
                found = httpx.get(f"{base}/api/v1/profiles", params={"q": f"Readback{i}"},
                                  headers=version).json()
                assert found["count"] == 1, (i, found)
