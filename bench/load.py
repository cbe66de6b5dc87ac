"""HTTP load check of the matches endpoint, and of ad-hoc matches after start.

Run: ``.venv/bin/python -m bench.load [--data DIR | --profiles 10000] [--seconds 10]
[--workers N] [--postgres] [--no-cache] [--clients 1,4,16] [--adhoc 50] [--processes | --asyncio]``.

Starts ``clusterbridge serve --workers N`` on a free 127.0.0.1 port in a subprocess (on a SQLite
file, or with ``--postgres`` on a temporary PostgreSQL server started like the tests start
theirs), waits for /readyz, then for each concurrency runs that many client threads (one
keep-alive connection each; ``--processes``: client processes; ``--asyncio``: coroutines of one
event loop, the lightest client) for a bounded time, each requesting
``GET /api/v1/profiles/{random id}/matches?top=10``; prints requests per second and p50/p99
latency, then each worker's memory after the load (RSS and PSS, read from /proc on Linux). With
the answer cache (the default) every id is asked once first, so the load measures cached answers;
``--no-cache`` turns the cache off. Each worker has a cache of its own, and a connection stays
with the worker that accepted it, so the cache is warmed by the load itself: one level's length
at the first level's concurrency, not measured (before, the first level of a run also measured
the other workers' cache misses: p99 27 to 123 ms in it, 12 to 23 ms in the levels after).
``--adhoc N`` then times the first ad-hoc match after start and N more (``POST /api/v1/match``,
one client, the shipped catalogue's profiles as queries). Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np

from matcher import load_catalogue
from tests.servers import free_port, wait_ready

from . import adhoc_records, print_table
from .synthetic import generate

#: The request every client makes, for a random profile id.
MATCHES = "/api/v1/profiles/{id}/matches?top=10"


def _proc_kb(path: Path, key: str) -> float:
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def worker_memory(server_pid: int) -> list[tuple[int, float, float]]:
    """(pid, RSS MB, PSS MB) of each server worker: the serve process's children, or the
    serve process itself when it has none (one worker). Linux only (reads /proc); PSS shares
    the pages the workers have in common among them, RSS counts them in each."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    children = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == server_pid and b"resource_tracker" not in command:
            children.append(int(entry.name))
    return [(pid, _proc_kb(proc / str(pid) / "status", "VmRSS") / 1024,
             _proc_kb(proc / str(pid) / "smaps_rollup", "Pss") / 1024)
            for pid in sorted(children or [server_pid])]


def client_loop(port: int, ids: list[str], start_at: float, deadline: float,
                seed: int) -> tuple[list[float], int]:
    """One client on one keep-alive connection from ``start_at`` to ``deadline`` (both
    ``time.monotonic()``, which every process of the machine shares): latencies, errors."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failed = [], 0
    time.sleep(max(0.0, start_at - time.monotonic()))
    while time.monotonic() < deadline:
        pid = rng.choice(ids)
        t = time.perf_counter()
        connection.request("GET", MATCHES.format(id=pid))
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - t) * 1000)
        failed += response.status != 200
    connection.close()
    return latencies, failed


async def _client_coroutine(port: int, ids: list[str], deadline: float,
                            seed: int) -> tuple[list[float], int]:
    """:func:`client_loop` as a coroutine on a raw keep-alive connection: the HTTP/1.1 request
    written by hand and the answer read by its Content-Length, so that a client costs the
    machine far less than ``http.client`` in a thread does. Client ``seed`` connects
    ``seed`` x 50 ms after the first, as clients arriving one by one do: 16 connections opened
    at once were mostly accepted by one worker (448 requests/s against 1,100 staggered)."""
    rng = random.Random(seed)
    await asyncio.sleep(seed * 0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies, failed = [], 0
    while time.monotonic() < deadline:
        pid = rng.choice(ids)
        t = time.perf_counter()
        writer.write(f"GET {MATCHES.format(id=pid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - t) * 1000)
        failed += status != 200
    writer.close()
    return latencies, failed


async def _coroutines(port: int, ids: list[str], clients: int,
                      deadline: float) -> list[tuple[list[float], int]]:
    return list(await asyncio.gather(*(_client_coroutine(port, ids, deadline, i)
                                       for i in range(clients))))


def run_level(port: int, ids: list[str], clients: int, seconds: float,
              processes: bool = False, coroutines: bool = False) -> tuple[float, list[float], int]:
    """``clients`` clients at once for ``seconds``: threads of this process, with
    ``processes`` one process each (as clients on other machines would be: no interpreter lock
    shared with the other clients), or with ``coroutines`` coroutines of one event loop in this
    process (one thread, no lock contended, the least CPU taken from the server)."""
    start_at = time.monotonic() + (1.0 if processes else 0.0)
    deadline = start_at + seconds
    jobs = [(port, ids, start_at, deadline, i) for i in range(clients)]
    if coroutines:
        results = asyncio.run(_coroutines(port, ids, clients, deadline))
    elif processes:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(clients, mp_context=context) as pool:
            results = list(pool.map(client_loop, *zip(*jobs, strict=True)))
    else:
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(client_loop, *zip(*jobs, strict=True)))
    latencies = [ms for mine, _ in results for ms in mine]
    return len(latencies) / seconds, latencies, sum(failed for _, failed in results)


def adhoc_times(base: str, n: int) -> list[float]:
    """Milliseconds of the first ad-hoc match after start, then of ``n`` more: the shipped
    catalogue's profiles as typed-in records (:func:`bench.adhoc_records`), each new to the
    server."""
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        # From the second profile on: the service warms up with the texts of the first.
        for record in adhoc_records(n + 1, start=1):
            body = {"profile": record, "top": 10}
            t = time.perf_counter()
            r = client.post("/api/v1/match", json=body)
            times.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"ad-hoc match failed: {r.status_code} {r.text[:200]}")
    return times


def wait_for_follow(db: str) -> float:
    """Seconds until the start-up follow run (every German cluster's top-k, computed by one
    worker in the background) has stored its lists: the load is measured after it."""
    from matcher.store import open_store

    start = time.monotonic()
    store = open_store(db)
    try:
        while store.snapshot_version() is None:
            if time.monotonic() - start > 900:
                raise SystemExit("the follow run did not finish")
            time.sleep(0.5)
    finally:
        store.close()
    return time.monotonic() - start


@contextlib.contextmanager
def database(root: Path, postgres: bool) -> Iterator[str]:
    if not postgres:
        yield str(root / "load.sqlite3")
        return
    from tests.postgres import new_database, temporary_server

    with temporary_server() as server:
        yield new_database(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None, help="catalogue dir (default: synthetic)")
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--models", type=Path, default=None, help="models dir to reuse")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="a temporary PostgreSQL server")
    parser.add_argument("--no-cache", action="store_true", help="turn the answer cache off")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--adhoc", type=int, default=0, help="ad-hoc matches to time after start")
    client_kind = parser.add_mutually_exclusive_group()
    client_kind.add_argument("--processes", action="store_true",
                             help="each client in a process of its own (default: threads of this one)")
    client_kind.add_argument("--asyncio", action="store_true",
                             help="the clients as coroutines of one event loop (the lightest client)")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp), args.postgres) as db:
        root = Path(tmp)
        data = args.data or generate(args.profiles, root / "catalogue")
        ids = [p.id for p in load_catalogue(data).profiles]
        port = free_port()
        env = {**os.environ, "CLUSTERBRIDGE_DATA_DIR": str(data),
               "CLUSTERBRIDGE_MODELS_DIR": str(args.models or root / "models"),
               "CLUSTERBRIDGE_DATABASE": db, "CLUSTERBRIDGE_REPORT_DIR": str(root / "reports"),
               "CLUSTERBRIDGE_ANSWER_CACHE": "0" if args.no_cache else "4096",
               "HF_HUB_OFFLINE": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers",
             str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        adhoc: list[float] = []
        memory: list[tuple[int, float, float]] = []
        settled = 0.0
        try:
            try:
                wait_ready(base, server, timeout=900)
            except AssertionError as exc:
                raise SystemExit(f"the server did not become ready: {exc}") from None
            settled = wait_for_follow(db)
            if args.adhoc:
                adhoc = adhoc_times(base, args.adhoc)
            if args.no_cache:
                run_level(port, ids, 2, 2.0)  # warm-up
            else:
                # Every answer cached in every worker before the load: one connection asks every
                # id once (one worker answers it all), then the first level's clients, on as many
                # connections as the load, ask for as long as a level lasts (each id about ten
                # times at 1,000 requests/s, so the other workers' caches fill too).
                with httpx.Client(base_url=base, timeout=60) as client:
                    for pid in ids:
                        client.get(MATCHES.format(id=pid))
                run_level(port, ids, levels[0], args.seconds, args.processes, args.asyncio)
            rows = []
            for clients in levels:
                rps, lat, errors = run_level(port, ids, clients, args.seconds, args.processes,
                                             args.asyncio)
                p50, p99 = np.percentile(lat, [50, 99])
                rows.append((clients, rps, p50, p99, len(lat), errors))
            memory = worker_memory(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
    what = f"--data {args.data}" if args.data else f"--profiles {args.profiles}"
    flags = "".join([f" --workers {args.workers}", " --postgres" if args.postgres else "",
                     " --no-cache" if args.no_cache else "", f" --clients {args.clients}",
                     f" --adhoc {args.adhoc}" if args.adhoc else "",
                     " --processes" if args.processes else "",
                     " --asyncio" if args.asyncio else ""])
    backend = "PostgreSQL" if args.postgres else "SQLite"
    cache = "answer cache off" if args.no_cache else "answer cache on (warmed)"
    print_table(f".venv/bin/python -m bench.load {what} --seconds {args.seconds:g}{flags}",
                f"{len(ids)} profiles, GET {MATCHES}, "
                f"{args.workers} worker(s), {backend}, {cache}, {os.cpu_count()} cores; "
                f"measured after the start-up follow run ({settled:.0f} s after ready)",
                ("clients", "requests/s", "p50 ms", "p99 ms", "requests", "errors"),
                [(c, f"{rps:.0f}", f"{p50:.1f}", f"{p99:.1f}", n, e)
                 for c, rps, p50, p99, n, e in rows])
    if memory:
        print("# memory of each worker after the load (/proc: VmRSS, Pss)")
        print("| worker | RSS MB | PSS MB |\n|---|---|---|")
        for i, (_, rss, pss) in enumerate(memory):
            print(f"| {i + 1} | {rss:.0f} | {pss:.0f} |")
    if adhoc:
        rest = adhoc[1:]
        print(json.dumps({"adhoc_first_ms": round(adhoc[0], 1),
                          "adhoc_rest_p50_ms": round(float(np.percentile(rest, 50)), 1),
                          "adhoc_rest_p99_ms": round(float(np.percentile(rest, 99)), 1),
                          "adhoc_n": len(rest)}))


if __name__ == "__main__":
    main()
