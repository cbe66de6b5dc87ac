"""Ranking metrics over one query's ranked relevance flags (hit@k, recall@k, MRR, nDCG@k), their
bootstrap intervals over queries, and the Gini coefficient of exposure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

KS = (1, 5, 10, 20)


Array = npt.NDArray[np.float64]


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1 if any of the first ``k`` ranked items is relevant."""
    return float(any(relevant[:k]))


def recall_at_k(relevant: Sequence[bool], k: int, n_relevant: int) -> float:
    """Share of the ``n_relevant`` relevant items among the first ``k``."""
    return sum(relevant[:k]) / n_relevant if n_relevant else 0.0


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    """1 / rank of the first relevant item (0 if none)."""
    for i, r in enumerate(relevant, start=1):
        if r:
            return 1.0 / i
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int, n_relevant: int) -> float:
    """Binary-relevance nDCG@k: DCG of the ranking over DCG of an ideal one."""
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant[:k]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    return dcg / ideal if ideal else 0.0


def query_metrics(relevant: Sequence[bool], n_relevant: int, prefix: str = "") -> dict[str, float]:
    out = {}
    for k in KS:
        out[f"{prefix}hit@{k}"] = hit_at_k(relevant, k)
        out[f"{prefix}recall@{k}"] = recall_at_k(relevant, k, n_relevant)
    out[f"{prefix}mrr"] = reciprocal_rank(relevant)
    out[f"{prefix}ndcg@10"] = ndcg_at_k(relevant, 10, n_relevant)
    return out


def bootstrap_ci(values: Sequence[float], *, seed: int, n_boot: int = 1000) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the mean."""
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(n_boot, len(data)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return (round(float(lo), 4), round(float(hi), 4))


def summarise(per_query: list[dict[str, float]], seed: int) -> dict[str, dict[str, Any]]:
    names = list(per_query[0]) if per_query else []
    return {
        name: {"value": round(float(np.mean([m[name] for m in per_query])), 4),
               "ci95": list(bootstrap_ci([m[name] for m in per_query], seed=seed))}
        for name in names
    }


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (0 = all equal, towards 1 = all on one)."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(data), data.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ data / (n * total))


def exposure_of(lists: Sequence[Sequence[str]], candidates: Sequence[str], *,
                hubs: int = 10) -> dict[str, Any]:
    """How concentrated the suggestions of ``lists`` (one list of profile ids per query) are over
    ``candidates``: the share of all slots the ``hubs`` most suggested hold, the share of lists
    the most suggested one is in (``max_share``), the Gini coefficient over candidates, how many
    are never suggested, and the ``hubs`` most suggested with their counts. Ids outside
    ``candidates`` take a slot but are not counted."""
    counts: dict[str, int] = dict.fromkeys(candidates, 0)
    slots = 0
    for ids in lists:
        for pid in ids:
            if pid in counts:
                counts[pid] += 1
            slots += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "slots": slots,
        f"share_of_top_{hubs}": round(sum(c for _, c in ranked[:hubs]) / slots, 4) if slots else 0.0,
        "max_share": round(ranked[0][1] / len(lists), 4) if ranked and lists else 0.0,
        "gini": round(gini(list(counts.values())), 4),
        "never_suggested": sum(1 for c in counts.values() if c == 0),
        "most_suggested": [{"id": pid, "count": c} for pid, c in ranked[:hubs]],
    }


def paired_difference(a: list[dict[str, float]], b: list[dict[str, float]], names: Sequence[str],
                      seed: int) -> dict[str, dict[str, Any]]:
    """Per metric, the mean over queries of ``a`` minus ``b`` (the same queries in the same
    order) with a percentile bootstrap 95% interval of that mean: queries are resampled in pairs,
    so the interval shows whether ``a`` beats ``b`` on these queries, not how wide each one is."""
    if len(a) != len(b):
        raise ValueError("paired metrics need the same queries")
    out = {}
    for name in names:
        diffs = [x[name] - y[name] for x, y in zip(a, b, strict=True)]
        out[name] = {"value": round(float(np.mean(diffs)), 4) if diffs else 0.0,
                     "ci95": list(bootstrap_ci(diffs, seed=seed))}
    return out
