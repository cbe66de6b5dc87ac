"""What one uncached request costs at 10,000 candidates, phase by phase, HTTP included.

Run: ``.venv/bin/python -m bench.request [--profiles 10000] [--queries 100] [--work DIR]
[--profile N]``.

Builds (or, with ``--work``, reuses) a synthetic catalogue and its MiniLM bundle, starts the
application in process (``TestClient``, a SQLite file, answer cache off), waits for the start-up
follow run, then times each phase of what a request does, each phase on its own sampled ids:
the main list (:meth:`Matcher.match`, explanations included), its serialisation
(``matches_public`` and JSON), the cluster page's second list alone (``scope=cross_field``), and
the whole ``GET /api/v1/profiles/{id}/matches?top=10`` and ``GET /clusters/{id}``. With
``--profile N`` it prints instead the N most expensive functions (cProfile, cumulative and own
time) of what those requests compute (marks, both lists, serialisation), run in this thread.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from matcher import Filters, load_catalogue
from matcher.engine.embedding import MINILM
from service.api import matches_public
from service.deps import marks_and_filters
from service.main import create_app
from service.settings import Settings

from . import percentiles, print_table
from .synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None, help="catalogue and models to reuse")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        data = work / "catalogue"
        if not data.exists():
            generate(args.profiles, data)
        database = work / "request.sqlite3"
        database.unlink(missing_ok=True)
        settings = Settings(data_dir=data, models_dir=work / "models", database=str(database),
                            report_dir=work / "reports", answer_cache=0, answer_cache_mb=0,
                            embedder=MINILM)
        ids = [p.id for p in load_catalogue(data).profiles]
        # Each phase its own queries: the matcher keeps the components of the last catalogue
        # query (the page's two lists share them), which must not serve another phase.
        drawn = random.Random(1).sample(ids, 4 * args.queries)
        sample, other, api_ids, page_ids = (drawn[i::4] for i in range(4))
        with TestClient(create_app(settings)) as client:
            state = client.app.state.service  # type: ignore[attr-defined]
            while state.store.snapshot_version() is None:  # the start-up follow run
                time.sleep(0.5)
            matcher = state.matcher
            for pid in ids[-10:]:  # warm-up, on ids most likely outside the sample
                client.get(f"/api/v1/profiles/{pid}/matches?top=10")
            if args.profile:  # in this thread: cProfile does not follow the server's threads
                profiler = cProfile.Profile()
                profiler.enable()
                for pid in sample:
                    marks, shown = marks_and_filters(state, pid, Filters(), False)
                    result = matcher.match(pid, top=10, filters=shown)
                    matches_public(result, matcher.catalogue, marks).model_dump_json().encode()
                    matcher.match(pid, top=10, filters=shown, scope="cross_field")
                profiler.disable()
                for order in ("cumulative", "tottime"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
                    print(f"## {args.queries} requests' work, by {order}\n{out.getvalue()}")
                return
            phases: dict[str, list[float]] = {k: [] for k in (
                "match", "serialise", "cross", "api", "page")}
            for pid, cross, api, page in zip(sample, other, api_ids, page_ids, strict=True):
                t0 = time.perf_counter()
                result = matcher.match(pid, top=10, filters=Filters())
                t1 = time.perf_counter()
                matches_public(result, matcher.catalogue).model_dump_json().encode()
                t2 = time.perf_counter()
                matcher.match(cross, top=10, filters=Filters(), scope="cross_field")
                t3 = time.perf_counter()
                client.get(f"/api/v1/profiles/{api}/matches?top=10")
                t4 = time.perf_counter()
                client.get(f"/clusters/{page}")
                t5 = time.perf_counter()
                for name, start, end in (("match", t0, t1), ("serialise", t1, t2),
                                         ("cross", t2, t3), ("api", t3, t4), ("page", t4, t5)):
                    phases[name].append((end - start) * 1000)
            both = [a + b for a, b in zip(phases["match"], phases["serialise"], strict=True)]
    rows = [
        ("Matcher.match, main list (explanations included)", percentiles(phases["match"])),
        ("matches_public(...).model_dump_json()", percentiles(phases["serialise"])),
        ("the two together (what the API route computes)", percentiles(both)),
        ("Matcher.match, scope=cross_field (the page's second list)",
         percentiles(phases["cross"])),
        ("GET /api/v1/profiles/{id}/matches?top=10 (TestClient, cache off)",
         percentiles(phases["api"])),
        ("GET /clusters/{id} (TestClient, cache off)", percentiles(phases["page"])),
    ]
    print_table(f".venv/bin/python -m bench.request --profiles {args.profiles} --queries "
                f"{args.queries}", f"synthetic catalogue, {MINILM}, in process",
                ("phase", "time per request"), rows)


if __name__ == "__main__":
    main()
