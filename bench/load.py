"""HTTP load check of the matches endpoint: 1, 4 and 16 concurrent clients on loopback.

Run: ``.venv/bin/python -m bench.load [--data DIR | --profiles 10000] [--seconds 10]``.
Starts ``clusterbridge serve`` on a free 127.0.0.1 port in a subprocess, waits for /readyz,
then for each concurrency runs that many client threads (keep-alive connections) for a bounded
time, each requesting ``GET /api/v1/profiles/{random id}/matches``; prints requests per second
and p50/p99 latency; stops the server. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from matcher import load_catalogue

from . import print_table
from .synthetic import generate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_level(base: str, ids: list[str], clients: int, seconds: float) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < deadline:
                pid = rng.choice(ids)
                t = time.perf_counter()
                r = client.get(f"/api/v1/profiles/{pid}/matches", params={"top": 10})
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(dt)
                    errors += r.status_code != 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - start), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None, help="catalogue dir (default: synthetic)")
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--models", type=Path, default=None, help="models dir to reuse")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = args.data or generate(args.profiles, root / "catalogue")
        ids = [p.id for p in load_catalogue(data).profiles]
        port = free_port()
        env = {**os.environ, "CLUSTERBRIDGE_DATA_DIR": str(data),
               "CLUSTERBRIDGE_MODELS_DIR": str(args.models or root / "models"),
               "CLUSTERBRIDGE_DATABASE": str(root / "load.sqlite3"), "HF_HUB_OFFLINE": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "matcher.cli", "serve", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.5)
            run_level(base, ids, 2, 2.0)  # warm-up
            rows = []
            for clients in (1, 4, 16):
                rps, lat, errors = run_level(base, ids, clients, args.seconds)
                p50, p99 = np.percentile(lat, [50, 99])
                rows.append((clients, rps, p50, p99, len(lat), errors))
        finally:
            server.terminate()
            server.wait(timeout=30)
    what = f"--data {args.data}" if args.data else f"--profiles {args.profiles}"
    print_table(f".venv/bin/python -m bench.load {what} --seconds {args.seconds:g}",
                f"{len(ids)} profiles, GET /api/v1/profiles/{{id}}/matches?top=10, one uvicorn worker",
                ("clients", "requests/s", "p50 ms", "p99 ms", "requests", "errors"),
                [(c, f"{rps:.0f}", f"{p50:.1f}", f"{p99:.1f}", n, e) for c, rps, p50, p99, n, e in rows])


if __name__ == "__main__":
    main()
