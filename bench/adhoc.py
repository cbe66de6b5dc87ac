"""Ad-hoc queries at scale: where the time of a profile typed by a user goes (issue #29).

Run: ``.venv/bin/python -m bench.adhoc [--profiles 10000] [--queries 100] [--cache DIR]``.

A synthetic catalogue of ``--profiles`` profiles is embedded with the default embedder, loaded
as the service loads it (texts already in ``--cache`` are not embedded again, so a second run
starts in seconds). The queries
are the shipped catalogue's own profiles given as ad-hoc records: real descriptions, seeks and
offers, several languages, none of them in the synthetic catalogue. Each is matched in process
(``Matcher.match_record``, what the API's ``POST /api/v1/match`` calls), and its texts are
encoded once more by each model of the embedder alone. The whole pass is run twice: the second
pass repeats the same records, as a user refining filters would. BLAS runs with the threads a
service worker gives it (``Settings.blas_threads``), so that the matrix products of the ranking
and of the multilingual model compete for the cores as they do in the service. Prints one table;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from matcher import (
    EmbeddingCache,
    Matcher,
    MatcherConfig,
    build_bundle,
    load_bundle,
    load_catalogue,
    parse_query_profile,
)
from matcher.engine.bundle import offer_texts, seek_texts
from matcher.engine.embedding import DEFAULT_EMBEDDER
from service.settings import Settings
from service.state import load_embedder

from . import adhoc_records, percentiles, print_table
from .synthetic import generate


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=None,
                        help="embedding cache kept between runs (default: a temporary one)")
    args = parser.parse_args()
    blas_threads = Settings().blas_threads
    threadpool_limits(limits=blas_threads, user_api="blas")  # as the service's lifespan does
    records = adhoc_records(args.queries)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalogue = load_catalogue(generate(args.profiles, root / "catalogue"))
        start = time.perf_counter()
        embedder = load_embedder(DEFAULT_EMBEDDER)
        load_s = time.perf_counter() - start
        cache = EmbeddingCache(args.cache or root / "cache", embedder)
        build_bundle(catalogue, embedder, models_dir=root / "models", cache=cache)
        cache.save()
        matcher = Matcher(load_bundle(root / "models" / "current"), MatcherConfig(),
                          embedder=embedder)
        queries = [parse_query_profile(r, catalogue.reference)[0] for r in records]
        texts = [[q.text(), *seek_texts(q), *offer_texts(q)] for q in queries]
        first = timed(lambda: matcher.match_record(records[0], top=10))
        counts = [len(t) for t in texts]
        rows.append(("embedder loaded, first ad-hoc match after it",
                     f"{load_s:.1f} s; first match {first:.1f} ms",
                     f"{len(records)} queries, {min(counts)}-{max(counts)} texts each "
                     f"(median {statistics.median(counts):.0f})"))
        inner = getattr(embedder, "embedder", embedder)  # the models behind remembered texts
        parts = getattr(inner, "parts", (inner,))
        for run in ("first pass", "same queries again"):
            match_ms = [timed(lambda r=r: matcher.match_record(r, top=10)) for r in records]
            rows.append((f"ad-hoc match at {args.profiles} profiles, in process ({run})",
                         percentiles(match_ms, "mean"), "goal p99 < 60 ms"))
        for part in parts:
            ms = [timed(lambda t=t, part=part: part.encode_query(t)) for t in texts]
            precision = getattr(part, "query_precision", "")
            rows.append((f"encode a query's texts: {part.name} alone", percentiles(ms, "mean"),
                         precision))
            if precision and precision != "fp32":
                ms = [timed(lambda t=t, part=part: part.encode(t)) for t in texts]
                rows.append((f"the same texts, {part.name} as the catalogue is encoded",
                             percentiles(ms, "mean"), "fp32"))
        ms = [timed(lambda t=t: inner.encode_query(t)) for t in texts]
        rows.append((f"encode a query's texts: {inner.name} (the models, nothing remembered)",
                     percentiles(ms, "mean"), ""))
    print_table(f".venv/bin/python -m bench.adhoc --profiles {args.profiles} --queries "
                f"{args.queries}", f"synthetic catalogue, embedder {embedder.name}, "
                f"{blas_threads} BLAS thread(s) as the service sets",
                ("measure", "result", "note"), rows)


if __name__ == "__main__":
    main()
