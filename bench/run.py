"""Benchmark of build and query on a synthetic 10,000-profile catalogue, with the real model.

Run: ``.venv/bin/python -m bench.run [--profiles 10000] [--queries 200]``. Prints a table of
measured numbers; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from matcher import EmbeddingCache, Matcher, build_bundle, load_bundle, load_catalogue, parse_query_profile
from matcher.embedding import SentenceTransformerEmbedder
from matcher.profiles import Profile

from .synthetic import generate


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalogue = load_catalogue(generate(args.profiles, root / "catalogue"))
        embedder = SentenceTransformerEmbedder()
        models = root / "models"

        start = time.perf_counter()
        cache = EmbeddingCache(models / "cache", embedder)
        build_bundle(catalogue, embedder, models_dir=models, cache=cache)
        full = time.perf_counter() - start
        rows.append(("full build", f"{full:.1f} s, {cache.misses} distinct texts embedded, "
                                   f"{cache.misses / full:.0f} texts/s"))

        old = catalogue.profiles[0]
        changed = Profile(**{**old.__dict__, "description": old.description + " Changed."})
        start = time.perf_counter()
        cache = EmbeddingCache(models / "cache", embedder)
        build_bundle(catalogue.with_profile(changed), embedder, models_dir=models, cache=cache)
        rebuild = time.perf_counter() - start
        rows.append(("rebuild, one profile changed", f"{rebuild:.2f} s, {cache.misses} texts embedded"))

        matcher = Matcher(load_bundle(models / "current"), embedder=embedder)
        rng = random.Random(1)
        ids = [p.id for p in rng.sample(catalogue.profiles, args.queries)]
        for pid in ids[:5]:
            matcher.match(pid)
        times = []
        for pid in ids:
            t = time.perf_counter()
            matcher.match(pid, top=10)
            times.append((time.perf_counter() - t) * 1000)
        rows.append(("query --cluster (top 10, diversity on)",
                     f"p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms, "
                     f"{1000 / statistics.mean(times):.0f} queries/s"))

        times = []
        for pid in ids:
            p = catalogue.get(pid)
            record = {"name": p.name + " (ad hoc)", "country": p.country,
                      "description": p.description + " Ad hoc.", "fields": list(p.fields),
                      "offers": list(p.offers), "seeks": list(p.seeks)}
            query, _ = parse_query_profile(record, catalogue.reference)
            t = time.perf_counter()
            matcher.match(query, top=10)
            times.append((time.perf_counter() - t) * 1000)
        rows.append(("query --profile (embeds the query)",
                     f"p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms, "
                     f"{1000 / statistics.mean(times):.0f} queries/s"))

    print(f"# python -m bench.run --profiles {args.profiles} --queries {args.queries}")
    print(f"# machine: {platform.machine()}, {platform.processor() or 'cpu'}, python "
          f"{platform.python_version()}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    json.dump(dict(rows), sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
