"""Crashes: killing a build or the server at random points loses nothing that was promised.

Bounded: 50 killed builds and 50 killed servers, each on small inputs with the hashing embedder.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.synthetic import generate
from matcher import BundleCorruptError, Reference, load_bundle
from matcher.store import is_postgres, open_store
from tests.conftest import CATALOGUE_DIR
from tests.servers import free_port, wait_ready

pytestmark = pytest.mark.slow
#: Killed builds and killed SQLite servers per run, and killed servers on PostgreSQL. Each kill
#: lands at a random moment; 20 (5) of them exercise every phase of a build and a write in every
#: run. A longer soak: CLUSTERBRIDGE_CRASH_KILLS=200 CLUSTERBRIDGE_CRASH_POSTGRES_KILLS=40
#: .venv/bin/pytest tests/test_crash.py
KILLS = int(os.environ.get("CLUSTERBRIDGE_CRASH_KILLS", "20"))
POSTGRES_KILLS = int(os.environ.get("CLUSTERBRIDGE_CRASH_POSTGRES_KILLS", "5"))


def build_command(data: Path, models: Path) -> list[str]:
    return [sys.executable, "-m", "cli", "--data", str(data), "--models", str(models),
            "--embedder", "hashing-384", "build"]


def test_killed_builds_leave_the_previous_bundle_intact(tmp_path: Path) -> None:
    data = generate(600, tmp_path / "catalogue", seed=3)
    models = tmp_path / "models"
    start = time.monotonic()
    subprocess.run(build_command(data, models), check=True, capture_output=True)
    duration = time.monotonic() - start
    reference = Reference.load()
    good = load_bundle(models / "current", reference=reference).manifest["data_hash"]
    rng = random.Random(7)
    completed = 0
    for i in range(KILLS):
        # Change the catalogue so that every build writes a genuinely new bundle.
        path = data / "profiles" / "synthetic.jsonl"
        lines = path.read_text().splitlines()
        record = json.loads(lines[0])
        record["description"] = f"Synthetic profile, revision {i}."
        path.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
        process = subprocess.Popen(build_command(data, models), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Most kills land during the build, some after it (those builds must have finished).
        time.sleep(rng.uniform(0.2 * duration, 1.5 * duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        bundle = load_bundle(models / "current", reference=reference)  # must always load
        completed += bundle.manifest["data_hash"] != good
        good = bundle.manifest["data_hash"]
    assert 0 < completed < KILLS  # some builds were really interrupted, and some finished


def test_corrupt_bundle_is_refused_by_checksum(tmp_path: Path) -> None:
    models = tmp_path / "models"
    subprocess.run(build_command(CATALOGUE_DIR, models), check=True, capture_output=True)
    target = models / "current" / "profile_vectors.npy"
    raw = bytearray(target.read_bytes())
    raw[200] ^= 0x01
    target.write_bytes(bytes(raw))
    with pytest.raises(BundleCorruptError, match="checksum"):
        load_bundle(models / "current")


def serve(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port),
                             "--workers", str(workers)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_server_keeps_every_acknowledged_write(tmp_path: Path, database: str) -> None:
    """On each back-end: KILLS servers on SQLite, POSTGRES_KILLS on PostgreSQL."""
    rounds = KILLS if not is_postgres(database) else POSTGRES_KILLS
    env = {**os.environ, "CLUSTERBRIDGE_DATA_DIR": str(CATALOGUE_DIR),
           "CLUSTERBRIDGE_MODELS_DIR": str(tmp_path / "models"),
           "CLUSTERBRIDGE_DATABASE": str(database), "CLUSTERBRIDGE_EMBEDDER": "hashing-384",
           "CLUSTERBRIDGE_API_TOKEN": "t0ken", "CLUSTERBRIDGE_WRITES_PER_MINUTE": "100000"}
    acknowledged: dict[str, str] = {}
    rng = random.Random(11)
    reference = Reference.load()
    for i in range(rounds):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = serve(env, port)
        wait_ready(base, process)
        stop = threading.Event()

        def writer(i: int = i, base: str = base, stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=base, timeout=5,
                              headers={"Authorization": "Bearer t0ken"}) as client:
                n = 0
                while not stop.is_set():
                    pid = f"crash-{i}-{n}"
                    body = {"name": f"Crash Test {i} {n}", "country": "FR", "fields": ["Photonics"],
                            "description": f"Written in round {i}, number {n}."}
                    try:
                        r = client.put(f"/api/v1/profiles/{pid}", json=body)
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    if r.status_code in (200, 201):
                        acknowledged[pid] = body["description"]
                    n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(rng.uniform(0.05, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        thread.join()
        store = open_store(database)
        try:
            assert store.integrity_ok()
            stored = {p.id: p.description for p in store.catalogue(reference).profiles}
        finally:
            store.close()
        missing = [pid for pid, text in acknowledged.items() if stored.get(pid) != text]
        assert missing == [], f"round {i}: acknowledged writes lost: {missing[:5]}"
    assert len(acknowledged) > rounds  # writes really happened
