"""Benchmarks of build, queries and batch on a synthetic 10,000-profile catalogue, real model.

Run: ``.venv/bin/python -m bench.run [--profiles 10000] [--queries 300] [--repeats 2]``.
Prints one table: each measure, its anchor measured in the same run (the raw encode of the same
texts by MiniLM's fp32 ONNX session, without the cache and the bundle) and the ratio. Nothing is
asserted; goals are checked by reading the table (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from matcher import (
    EmbeddingCache,
    Matcher,
    MatcherConfig,
    build_bundle,
    load_bundle,
    load_catalogue,
    parse_query_profile,
)
from matcher.catalogue.profiles import Profile
from matcher.engine.bundle import ProfileVectors
from matcher.engine.embedding import SentenceTransformerEmbedder, get_embedder
from service.api import matches_public

from . import percentiles, print_table
from .synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalogue = load_catalogue(generate(args.profiles, root / "catalogue"))
        embedder = SentenceTransformerEmbedder()
        texts = list(dict.fromkeys(ProfileVectors.flat_texts(catalogue.profiles)))

        build_times, raw_times = [], []
        for r in range(args.repeats):
            models = root / f"models-{r}"
            start = time.perf_counter()
            cache = EmbeddingCache(models / "cache", embedder)
            build_bundle(catalogue, embedder, models_dir=models, cache=cache)
            build_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            embedder.exact.encode(texts)
            raw_times.append(time.perf_counter() - start)
        build_s, raw_s = statistics.median(build_times), statistics.median(raw_times)
        rows.append(("build: texts/s (full clusterbridge build, cold cache)",
                     f"{len(texts) / build_s:.0f} texts/s ({len(texts)} texts, {build_s:.1f} s)",
                     f"raw encode {len(texts) / raw_s:.0f} texts/s; ratio {raw_s / build_s:.2f}"))

        models = root / "models-0"
        rebuilds = []
        for r in range(3):
            old = catalogue.profiles[r]
            changed = Profile(**{**old.__dict__, "description": old.description + f" Change {r}."})
            start = time.perf_counter()
            cache = EmbeddingCache(models / "cache", embedder)
            build_bundle(catalogue.with_profile(changed), embedder, models_dir=models, cache=cache)
            rebuilds.append(time.perf_counter() - start)
            assert cache.misses == 1
        rows.append(("rebuild after one profile changed", f"{statistics.median(rebuilds):.2f} s, "
                     "1 text embedded", "goal < 2 s"))

        matcher = Matcher(load_bundle(models / "current"), MatcherConfig(), embedder=embedder)
        rng = random.Random(1)
        ids = [p.id for p in rng.sample(catalogue.profiles, args.queries)]
        for pid in ids[:10]:
            matcher.match(pid)
        times, served = [], []
        for pid in ids:
            t = time.perf_counter()
            result = matcher.match(pid, top=10)
            times.append((time.perf_counter() - t) * 1000)
            matches_public(result, matcher.catalogue).model_dump_json().encode()
            served.append((time.perf_counter() - t) * 1000)
        rows.append((f"query --cluster at {args.profiles} candidates (in process)",
                     percentiles(times, "rate"), "goal p99 < 10 ms"))
        rows.append(("the same, serialised as the API answers (matches_public, JSON)",
                     percentiles(served, "rate"), "what an uncached API request computes"))

        times, raw = [], []
        for pid in ids[:100]:
            p = catalogue.get(pid)
            record = {"name": p.name + " (ad hoc)", "country": p.country,
                      "description": p.description + " Ad hoc.", "fields": list(p.fields),
                      "offers": list(p.offers), "seeks": list(p.seeks)}
            query, _ = parse_query_profile(record, catalogue.reference)
            t = time.perf_counter()
            matcher.match(query, top=10)
            times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            embedder.encode_query([query.text(), *query.seeks, *query.offers])
            raw.append((time.perf_counter() - t) * 1000)
        rows.append(("query --profile (embeds the query, in process)", percentiles(times, "rate"),
                     f"raw encode of its texts: {percentiles(raw, 'rate')}; goal p99 < 60 ms"))

        fused = get_embedder("fused")
        times, raw = [], []
        for pid in ids[:100]:
            p = catalogue.get(pid)
            query, _ = parse_query_profile({"name": p.name + " (ad hoc)", "country": p.country,
                                            "description": p.description + " Ad hoc.",
                                            "fields": list(p.fields), "offers": list(p.offers),
                                            "seeks": list(p.seeks)}, catalogue.reference)
            texts = [query.text(), *query.seeks, *query.offers]
            t = time.perf_counter()
            fused.encode(texts)
            raw.append((time.perf_counter() - t) * 1000)
        rows.append(("encode an ad-hoc query with the default fused embedder", percentiles(raw, "rate"),
                     "MiniLM + multilingual USE; the matching part is the same as above"))

        german = [p.id for p in catalogue.profiles if p.country == "DE"]
        start = time.perf_counter()
        for pid in german:
            matcher.match(pid, top=10)
        batch = time.perf_counter() - start
        rows.append((f"batch: top 10 with explanations for all {len(german)} DE profiles",
                     f"{batch:.1f} s ({1000 * batch / len(german):.1f} ms each)", ""))

    print_table(f".venv/bin/python -m bench.run --profiles {args.profiles} --queries "
                f"{args.queries} --repeats {args.repeats}", "synthetic catalogue",
                ("measure", "result", "anchor / goal"), rows)


if __name__ == "__main__":
    main()
