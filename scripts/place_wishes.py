"""Measure the place preference: the share of an ad-hoc query's top 10 in the places it names,
without the preference and with it (:data:`matcher.config.PLACE_WISH_MARGIN`).

    HF_HUB_OFFLINE=1 python scripts/place_wishes.py --models models

Two sets: the queries of ``data/evaluation/language_queries.jsonl`` whose description or seeks
name a place (as written), and the same file's queries with one wish added to their seeks in
their own language (German "Partner in Asien", English "partners in North America", French
"des partenaires au Japon"), on a query's list of 10 with diversity as the pages show it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.catalogue import Reference, load_catalogue, load_config, parse_query_profile
from matcher.config import default_data_dir, default_models_dir
from matcher.engine.bundle import ensure_bundle
from matcher.engine.embedding import DEFAULT_EMBEDDER
from matcher.engine.ranking import Matcher, wished_places

QUERIES = Path(__file__).resolve().parents[1] / "data" / "evaluation" / "language_queries.jsonl"
WISHES = {"de": "Partner in Asien", "en": "partners in North America",
          "fr": "des partenaires au Japon"}


def share(matcher: Matcher, record: dict, prefer: bool) -> tuple[float, object]:
    geography = matcher.catalogue.reference.geography
    profile, _ = parse_query_profile(record, matcher.catalogue.reference)
    wished = wished_places(profile, geography)
    result = matcher.match(profile, top=10, prefer=wished if prefer else None)
    inside = sum(wished.covers(m.country, geography) for m in result.matches)
    return inside / max(len(result.matches), 1), wished


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=default_models_dir())
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args()
    data = default_data_dir()
    catalogue = load_catalogue(data, Reference.load(None))
    matcher = Matcher(ensure_bundle(catalogue, args.embedder, models_dir=args.models,
                                    config=load_config(data)))
    queries = [json.loads(line) for line in QUERIES.open(encoding="utf-8")]
    sets = {
        "as written (naming a place)": [q["profile"] for q in queries],
        "with a wish added": [{**q["profile"], "seeks": [*q["profile"].get("seeks", []),
                                                         WISHES[q["lang"]]]} for q in queries],
    }
    for name, records in sets.items():
        before, after, n = 0.0, 0.0, 0
        for record in records:
            b, wished = share(matcher, record, prefer=False)
            if not wished:
                continue
            a, _ = share(matcher, record, prefer=True)
            before, after, n = before + b, after + a, n + 1
        print(f"{name}: {n} queries; share of the top 10 in the places named: "
              f"{before / max(n, 1):.1%} without the preference, {after / max(n, 1):.1%} with it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
