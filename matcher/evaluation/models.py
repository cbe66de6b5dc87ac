"""The models the protocol compares: a linear model on the score components (hand-set or learned
weights), baselines (random, popularity, same field, text similarity), and their per-query
metrics on a set.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..config import COMPONENTS, Weights
from .metrics import Array, query_metrics
from .sets import EvaluationSet

#: A model scores every candidate of query i: (evaluation set, i) -> (n_candidates,) scores.
Model = Callable[[EvaluationSet, int], Array]


def linear(weights: Weights) -> Model:
    w = np.asarray([weights.normalised()[c] for c in COMPONENTS])
    return lambda es, i: es.queries[i].features @ w


def random_model(seed: int) -> Model:
    return lambda es, i: np.random.default_rng(seed + i).random(len(es.candidates))


def popularity(es: EvaluationSet, i: int) -> Array:
    return es.degree_without[i]


def same_field(es: EvaluationSet, i: int) -> Array:
    fields = set(es.queries[i].profile.fields)
    return np.asarray([len(fields & set(c.fields)) / max(len(fields | set(c.fields)), 1)
                       for c in es.candidates])


def text_model(name: str) -> Model:
    return lambda es, i: es.texts_sim[name][i]


def rank_positions(scores: Array, tie_seed: int) -> npt.NDArray[np.int64]:
    """Candidates best first; ties broken by a seeded random order, not by catalogue order."""
    tie = np.random.default_rng(tie_seed).random(len(scores))
    return np.lexsort((tie, -scores)).astype(np.int64)


def evaluate_model(es: EvaluationSet, model: Model, seed: int) -> list[dict[str, float]]:
    """Per-query metrics of ``model`` (item level and country level)."""
    out = []
    for i, q in enumerate(es.queries):
        order = rank_positions(model(es, i), seed + 7919 * i)
        relevant = [int(c) in q.hidden for c in order]
        metrics = query_metrics(relevant, len(q.hidden))
        wanted = {es.candidates[c].country for c in q.hidden}
        countries = list(dict.fromkeys(es.candidates[int(c)].country for c in order))
        metrics.update(query_metrics([c in wanted for c in countries], len(wanted), "country_"))
        out.append(metrics)
    return out
