"""Judged relevance: graded judgements of pooled candidates, and the measures they give.

One real partner per German cluster is a sparse label among many plausible partners. The judged
set adds dense ones: for every query of the protocol (:func:`~matcher.evaluation.sets.build_set`),
the top :data:`POOL_DEPTH` of each model in :data:`POOL_MODELS` are pooled, shuffled with a fixed
seed (so no judge can tell which model proposed a candidate) and judged 0-3 against the rubric in
``data/evaluation/judged/RUBRIC.md``. The pools live in ``pools.jsonl`` and the grades in
``judgements.csv`` beside it.

Measures per model over the queries with judgements: graded nDCG@10 (gain ``2**grade - 1``; the
ideal ranking is the query's judged candidates sorted by grade), the share of the top 10 judged
excellent (grade 3), and the share of the top 10 that is judged at all (a ranking changed after
the judging brings in unjudged candidates, which count as grade 0 until judged).
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import PROJECT_DATA
from ..errors import CatalogueError, Problem
from .metrics import paired_difference, summarise
from .models import Model, rank_positions
from .sets import EvaluationSet

#: Where the pools and judgements live, under a catalogue directory.
JUDGED_SUBDIR = Path("evaluation") / "judged"
JUDGED_DIR = PROJECT_DATA / JUDGED_SUBDIR
POOLS_FILE = "pools.jsonl"
JUDGEMENTS_FILE = "judgements.csv"
#: The models whose top lists are pooled, and how deep.
POOL_MODELS: tuple[str, ...] = ("full", "learned", "tfidf", "embedding_only")
POOL_DEPTH = 10
GRADES = (0, 1, 2, 3)
EXCELLENT = 3
#: The measures whose paired differences between models are reported.
JUDGED_METRICS = ("ndcg@10", "excellent@10")


@dataclass(frozen=True)
class Judgements:
    """Grades by (query id, candidate id)."""

    grades: Mapping[tuple[str, str], int]

    def of(self, query: str) -> dict[str, int]:
        return {c: g for (q, c), g in self.grades.items() if q == query}

    @property
    def queries(self) -> set[str]:
        return {q for q, _ in self.grades}


def pools(es: EvaluationSet, models: Mapping[str, Model], *, seed: int,
          depth: int = POOL_DEPTH) -> dict[str, list[str]]:
    """Query id -> the union of the top ``depth`` of every model, in a seeded random order."""
    out = {}
    for i, q in enumerate(es.queries):
        found: set[int] = set()
        for model in models.values():
            found.update(int(c) for c in rank_positions(model(es, i), seed + 7919 * i)[:depth])
        ids = sorted(es.candidates[c].id for c in found)
        order = np.random.default_rng([seed, i]).permutation(len(ids))
        out[q.profile.id] = [ids[j] for j in order]
    return out


def write_pools(path: Path, pooled: Mapping[str, list[str]]) -> None:
    """One JSON line per query (``{"query": id, "candidates": [ids]}``), written atomically."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for query, ids in pooled.items():
            f.write(json.dumps({"query": query, "candidates": ids}) + "\n")
    os.replace(tmp, path)


def read_pools(path: Path) -> dict[str, list[str]]:
    out = {}
    with path.open(encoding="utf-8") as f:
        for row in f:
            if row.strip():
                record = json.loads(row)
                out[record["query"]] = list(record["candidates"])
    return out


def load_judgements(path: Path, known_ids: Iterable[str] | None = None) -> Judgements:
    """Read ``judgements.csv`` (``query,candidate,grade,note``); a grade outside 0-3, a repeated
    pair or (with ``known_ids``) an id not in the catalogue is refused, naming the row."""
    known = set(known_ids) if known_ids is not None else None
    grades: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row_number, row in enumerate(csv.DictReader(f), start=2):
            def refuse(name: str, message: str, row_number: int = row_number) -> CatalogueError:
                return CatalogueError([Problem(path.name, row_number, name, message)])

            try:
                grade = int(row["grade"])
            except (KeyError, TypeError, ValueError):
                raise refuse("grade", "grade must be one of 0, 1, 2, 3") from None
            if grade not in GRADES:
                raise refuse("grade", f"grade {grade} is not one of 0, 1, 2, 3")
            pair = (row["query"], row["candidate"])
            if known is not None:
                for name, value in zip(("query", "candidate"), pair, strict=True):
                    if value not in known:
                        raise refuse(name, f"{name} {value!r} is not a catalogue id")
            if pair in grades:
                raise refuse("candidate", f"{pair[0]} / {pair[1]} is judged twice")
            grades[pair] = grade
    return Judgements(grades)


def graded_ndcg(grades: Sequence[int], ideal: Sequence[int], k: int = 10) -> float:
    """nDCG@k with gain ``2**grade - 1``; ``ideal`` holds every judged grade of the query."""
    def dcg(values: Sequence[int]) -> float:
        return float(sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(values[:k])))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best else 0.0


def query_measures(top: Sequence[str], judged: Mapping[str, int], k: int = 10,
                   ) -> dict[str, float]:
    grades = [judged.get(c, 0) for c in top[:k]]
    return {"ndcg@10": graded_ndcg(grades, list(judged.values()), k),
            "excellent@10": sum(g == EXCELLENT for g in grades) / k,
            "judged@10": sum(c in judged for c in top[:k]) / k}


@dataclass
class JudgedResult:
    n_queries: int
    n_judgements: int
    per_query: dict[str, list[dict[str, float]]]
    #: A check of the judges: the grades of the queries' known partners that were judged, and of
    #: every other judged candidate ({"partners": [...], "others": [...]}).
    grades_by_label: dict[str, list[int]] = field(default_factory=dict)

    def label_check(self) -> dict[str, dict[str, float]]:
        """Per group (known partners, other candidates): how many judged, the mean grade and the
        share judged excellent."""
        return {name: {"n": len(g), "mean_grade": round(float(np.mean(g)), 3) if g else 0.0,
                       "excellent": round(sum(x == EXCELLENT for x in g) / len(g), 3) if g else 0.0}
                for name, g in self.grades_by_label.items()}

    def to_dict(self, seed: int = 0) -> dict[str, Any]:
        paired = [{"models": [a, "tfidf"],
                   "metrics": paired_difference(self.per_query[a], self.per_query["tfidf"],
                                                JUDGED_METRICS, seed)}
                  for a in self.per_query if a != "tfidf" and "tfidf" in self.per_query]
        return {"n_queries": self.n_queries, "n_judgements": self.n_judgements,
                "models": {name: summarise(pq, seed) for name, pq in self.per_query.items()},
                "paired_differences": paired, "known_partners_vs_others": self.label_check()}


def judged_evaluation(es: EvaluationSet, models: Mapping[str, Model], judgements: Judgements, *,
                      seed: int, k: int = 10) -> JudgedResult | None:
    """Every model's measures on the queries of ``es`` that have judgements (None if none)."""
    per_query: dict[str, list[dict[str, float]]] = {name: [] for name in models}
    by_label: dict[str, list[int]] = {"partners": [], "others": []}
    n = 0
    for i, q in enumerate(es.queries):
        judged = judgements.of(q.profile.id)
        if not judged:
            continue
        n += 1
        partners = {es.candidates[c].id for c in q.hidden}
        for c, grade in judged.items():
            by_label["partners" if c in partners else "others"].append(grade)
        for name, model in models.items():
            order = rank_positions(model(es, i), seed + 7919 * i)[:k]
            per_query[name].append(query_measures([es.candidates[int(c)].id for c in order],
                                                  judged, k))
    if not n:
        return None
    return JudgedResult(n, len(judgements.grades), per_query, by_label)
