"""Pool the top 10 of several rankings for every protocol query, and write sheets to judge them.

    python scripts/judged_pools.py --models models --sheets /tmp/sheets [--unjudged-only]

Adds to ``data/evaluation/judged/pools.jsonl`` (see :mod:`matcher.evaluation.judged`; what was
pooled before stays, in its order) and, with
``--sheets``, one Markdown sheet per batch of queries: each query profile followed by its pooled
candidates in the pool's shuffled order, with no model names and no relationships, for a judge
who grades them against ``RUBRIC.md`` into ``judgements.csv``. ``--unjudged-only`` leaves out the
pairs ``judgements.csv`` already grades (after a ranking change, judge only what it brought in).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from protocol_setup import protocol_set

from matcher.catalogue.catalogue import Catalogue
from matcher.catalogue.profiles import Profile
from matcher.evaluation.judged import (
    JUDGED_DIR,
    JUDGEMENTS_FILE,
    POOL_MODELS,
    POOLS_FILE,
    load_judgements,
    pools,
    read_pools,
    write_pools,
)
from matcher.evaluation.protocol import model_set


def card(p: Profile) -> str:
    size = ", ".join(f"{k} {v}" for k, v in p.size.items() if v is not None) or "unknown"
    return "\n".join([
        f"name: {p.name} | kind: {p.kind} | country: {p.country} | region: {p.region}",
        f"fields: {'; '.join(p.fields)} | roles: {', '.join(p.roles) or '-'} | size: {size}",
        f"description: {p.description}",
        f"offers: {'; '.join(p.offers)}",
        f"seeks: {'; '.join(p.seeks)}",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sheets", type=Path, help="write judging sheets into this folder")
    parser.add_argument("--batch", type=int, default=12, help="queries per sheet")
    parser.add_argument("--unjudged-only", action="store_true")
    args = parser.parse_args()

    catalogue, hand, es = protocol_set(args.models)
    models, _, _ = model_set(es, hand.config.weights, seed=args.seed, folds=5, ablations=False)
    pooled = add_to_pools(pools(es, {name: models[name] for name in POOL_MODELS},
                                seed=args.seed))
    if args.sheets:
        write_sheets(catalogue, pooled, args.sheets, batch=args.batch,
                     unjudged_only=args.unjudged_only)


def add_to_pools(pooled: dict[str, list[str]]) -> dict[str, list[str]]:
    """``pooled`` added to ``pools.jsonl``, which keeps everything ever pooled in its order (a
    new ranking or catalogue adds to it); returns the whole file's pools."""
    JUDGED_DIR.mkdir(parents=True, exist_ok=True)
    if (JUDGED_DIR / POOLS_FILE).exists():
        earlier = read_pools(JUDGED_DIR / POOLS_FILE)
        for query, ids in earlier.items():
            pooled[query] = ids + [c for c in pooled.get(query, []) if c not in ids]
    write_pools(JUDGED_DIR / POOLS_FILE, pooled)
    print(f"{len(pooled)} queries, {sum(map(len, pooled.values()))} pooled pairs "
          f"-> {JUDGED_DIR / POOLS_FILE}")
    return pooled


def write_sheets(catalogue: Catalogue, pooled: dict[str, list[str]], sheets: Path, *,
                 batch: int = 12, unjudged_only: bool = False) -> None:
    """One Markdown sheet per ``batch`` queries into ``sheets``: each query's profile and its
    pooled candidates (with ``unjudged_only``, those ``judgements.csv`` does not grade yet)."""
    done = set()
    if unjudged_only and (JUDGED_DIR / JUDGEMENTS_FILE).exists():
        done = set(load_judgements(JUDGED_DIR / JUDGEMENTS_FILE).grades)
    sheets.mkdir(parents=True, exist_ok=True)
    queries = list(pooled)
    for start in range(0, len(queries), batch):
        lines = []
        for q in queries[start:start + batch]:
            todo = [c for c in pooled[q] if (q, c) not in done]
            if not todo:
                continue
            lines += [f"# QUERY {q}", card(catalogue.by_id[q]), ""]
            for n, c in enumerate(todo, start=1):
                lines += [f"## {q} / candidate {n}: {c}", card(catalogue.by_id[c]), ""]
        if lines:
            path = sheets / f"sheet-{start // batch + 1:02d}.md"
            path.write_text("\n".join(lines), encoding="utf-8")
            print(path)


if __name__ == "__main__":
    main()
