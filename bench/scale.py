"""Scale benchmark: 1,000,000 synthetic embeddings, the approximate index, and the memory limit.

Run: ``.venv/bin/python -m bench.scale [--n 1000000] [--queries 200]``.

The vectors are generated (unit vectors around 5,000 seeded centres; with ``--noise 2`` two members
of a cluster have cosine about 0.2 and neighbours are hard to find, with ``--noise 1`` about 0.5),
not encoded: encoding 1,000,000 profiles (about 5 million texts) with the CPU model
at the measured ~220 texts/s would take about 6 hours on this machine. Measured in the same run:

- numpy copy bandwidth of the 1.5 GB matrix (bytes read + written per second), the anchor;
- the exact scan (FAISS ``IndexFlatIP``, one query) over all vectors, as bytes read per second,
  and its share of the copy bandwidth;
- the approximate index (``matcher.index.VectorIndex`` above the threshold): build time, memory
  per profile, recall@10 against the exact scan for several ``nprobe``, single-query latency.
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np

from matcher.engine.embedding import l2_normalise
from matcher.engine.index import VectorIndex, exact_search

from . import print_table


def clustered(n: int, d: int, seed: int, noise: float, centres: int = 5000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, d)).astype(np.float32)
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        x = c[rng.integers(0, centres, stop - start)]
        x += noise * rng.standard_normal((stop - start, d)).astype(np.float32)
        out[start:stop] = l2_normalise(x)
    return out


def median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--noise", type=float, default=2.0,
                        help="noise scale around the centres (1.0: members at cosine ~0.5)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    start = time.perf_counter()
    vectors = clustered(args.n + args.queries, args.dimension, seed=0, noise=args.noise)
    queries, vectors = vectors[: args.queries].copy(), vectors[args.queries :]
    rows.append(("generate vectors", f"{time.perf_counter() - start:.1f} s",
                 f"{vectors.nbytes / 1e9:.2f} GB"))

    target = np.empty_like(vectors)
    copy_ms = median_ms(lambda t=target: np.copyto(t, vectors), 5)
    bandwidth = 2 * vectors.nbytes / (copy_ms / 1000) / 1e9
    del target
    rows.append(("numpy copy of the matrix (anchor)", f"{copy_ms:.0f} ms",
                 f"{bandwidth:.1f} GB/s read+write"))

    flat = faiss.IndexFlatIP(args.dimension)
    flat.add(vectors)
    one = queries[:1]
    scan_ms = median_ms(lambda f=flat: f.search(one, 10), 9)
    scan_bw = vectors.nbytes / (scan_ms / 1000) / 1e9
    rows.append(("exact scan, 1 query (FAISS IndexFlatIP)", f"{scan_ms:.0f} ms, {scan_bw:.1f} GB/s read",
                 f"{100 * scan_bw / bandwidth:.0f}% of copy bandwidth (goal >= 70%)"))
    numpy_ms = median_ms(lambda: vectors @ one[0], 9)
    rows.append(("exact scan, 1 query (numpy matrix-vector)",
                 f"{numpy_ms:.0f} ms, {vectors.nbytes / (numpy_ms / 1000) / 1e9:.1f} GB/s read",
                 f"{100 * vectors.nbytes / (numpy_ms / 1000) / 1e9 / bandwidth:.0f}% of copy bandwidth"))
    batch_ms = median_ms(lambda f=flat: f.search(queries[:64], 10), 3)
    rows.append(("exact scan, batch of 64 queries", f"{batch_ms:.0f} ms ({batch_ms / 64:.1f} ms/query)",
                 "matrix-matrix: compute-bound, not memory-bound"))

    _, truth = exact_search(queries, vectors, 10) if args.n <= 200_000 else (None, None)
    if truth is None:
        _, truth = flat.search(queries, 10)
    del flat

    start = time.perf_counter()
    index = VectorIndex(vectors, approximate_threshold=min(args.n, 200_000))
    build_s = time.perf_counter() - start
    index_bytes = faiss.serialize_index(index.index).nbytes
    rows.append((f"approximate index build ({index.kind}, nlist {index.index.nlist})",
                 f"{build_s:.1f} s", f"{index_bytes / args.n:.0f} B/profile index, "
                 f"{(index_bytes + vectors.nbytes) / args.n:.0f} B/profile with the vectors"))
    for nprobe in (16, 48, 128, 256, 512, 1024):
        index.set_nprobe(nprobe)
        found = index.search(queries, 10)
        recall = np.mean([len(set(pos.tolist()) & set(truth[i].tolist())) / 10
                          for i, (_, pos) in enumerate(found)])
        times = []
        for q in queries:
            t = time.perf_counter()
            index.search(q[None, :], 10)
            times.append((time.perf_counter() - t) * 1000)
        p50, p99 = np.percentile(times, [50, 99])
        rows.append((f"approximate search, nprobe {nprobe}", f"recall@10 {recall:.3f}",
                     f"1 query: p50 {p50:.2f} ms, p99 {p99:.2f} ms (goal p99 < 20 ms)"))

    print_table(f".venv/bin/python -m bench.scale --n {args.n} --queries {args.queries} "
                f"--noise {args.noise:g}",
                f"faiss {faiss.__version__}", ("measure", "result", "anchor / note"), rows)


if __name__ == "__main__":
    main()
