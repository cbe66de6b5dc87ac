"""Score components on arrays: how well a candidate complements a query profile.

Pure functions on (small) matrices, tested with hand-made arrays; :mod:`matcher.ranking` resolves
profiles to arrays and calls them. Every component is in [0, 1]:

- ``thematic``: mean of the clipped cosine of the profile texts and the Jaccard overlap of fields.
- ``complementarity``: two-sided fit of offers and seeks. ``fit(q<-c)`` is the mean over q's seeks
  of the best cosine to c's offers (clipped at 0); the component is the harmonic mean of
  ``fit(q<-c)`` and ``fit(c<-q)``, so a one-sided fit scores lower than a mutual one (RECON,
  Pizzato et al. 2010). It is symmetric in q and c.
- ``lexical``: TF-IDF cosine of the profile words (see :mod:`matcher.lexical`).
- ``relatedness``: mean over c's fields of their best measured relatedness ``phi`` to q's fields.
- ``roles``: share of the value-chain roles q lacks that c brings.
- ``parity``: ``exp(-|ln(1+m_q) - ln(1+m_c)| / ln 10)`` on member counts, 0.5 if either is unknown.

Offers and seeks of many profiles are stored as one matrix of rows with CSR-style ``offsets``: the
rows of profile i are ``offsets[i]:offsets[i+1]``; every profile has at least one row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..config import COMPONENTS

Array = npt.NDArray[np.float32]
Index = npt.NDArray[np.int64]

#: Score assumed for parity when a member count is unknown.
PARITY_UNKNOWN = 0.5


def gather_rows(offsets: Index, profiles: Index) -> tuple[Index, Index]:
    """Row numbers of ``profiles`` in a CSR layout, and where each profile's segment starts.

    Returns:
        rows (R,) int64 and segment starts (len(profiles),) int64 into ``rows``.
    """
    starts, ends = offsets[profiles], offsets[profiles + 1]
    lengths = ends - starts
    seg = np.zeros(len(profiles), dtype=np.int64)
    if len(profiles):
        seg[1:] = np.cumsum(lengths)[:-1]
    rows = np.repeat(starts - seg, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return rows, seg


def directional_fit(needs: Array, answers: Array, answer_offsets: Index,
                    candidates: Index | None = None) -> Array:
    """How well each candidate's answers cover the query's needs.

    Args:
        needs: (m, d) float32, L2-normalised; the query's seeks (or offers).
        answers: (R, d) float32, L2-normalised rows of all profiles' offers (or seeks).
        answer_offsets: (N+1,) int64 CSR offsets into ``answers``.
        candidates: (n,) int64 profile positions; None for all N profiles, which avoids copying
            rows and is faster when most profiles are candidates.

    Returns:
        (n,) float32: mean over needs of the best clipped cosine to the candidate's rows.
    """
    n = len(answer_offsets) - 1 if candidates is None else len(candidates)
    if len(needs) == 0 or n == 0:
        return np.zeros(n, dtype=np.float32)
    if candidates is None:
        rows_matrix, seg = answers, answer_offsets[:-1]
    else:
        rows, seg = gather_rows(answer_offsets, candidates)
        rows_matrix = answers[rows]
    # (R, d) @ (d, m) reads the rows once; (m, d) @ (d, R) with m > 1 took half as long again
    # with OpenBLAS here (BENCHMARKS.md, "One request at 10,000 candidates").
    sims = rows_matrix @ needs.T  # (R, m)
    best = np.ascontiguousarray(np.maximum.reduceat(sims, seg, axis=0).T)  # (m, n)
    out: Array = np.clip(best, 0.0, 1.0).mean(axis=0).astype(np.float32)
    return out


def reverse_fit(answers_q: Array, needs: Array, need_offsets: Index,
                candidates: Index | None = None) -> Array:
    """How well the query's answers cover each candidate's needs (mean over the candidate's rows).

    Args:
        answers_q: (k, d) float32; the query's offers.
        needs: (R, d) float32 rows of all profiles' seeks; need_offsets (N+1,) int64.
        candidates: (n,) int64 profile positions, or None for all profiles.

    Returns:
        (n,) float32.
    """
    n = len(need_offsets) - 1 if candidates is None else len(candidates)
    if len(answers_q) == 0 or n == 0:
        return np.zeros(n, dtype=np.float32)
    if candidates is None:
        rows_matrix, seg = needs, need_offsets[:-1]
        counts = np.diff(need_offsets)
    else:
        rows, seg = gather_rows(need_offsets, candidates)
        rows_matrix = needs[rows]
        counts = need_offsets[candidates + 1] - need_offsets[candidates]
    sims = rows_matrix @ answers_q.T  # (R, k); see directional_fit
    # The row maxima column by column: .max(axis=1) over a few columns took 1 ms for 30,000 rows
    # (a reduction per row), this 0.02 ms per column; the maximum is exact either way.
    best = sims[:, 0].copy()
    for j in range(1, sims.shape[1]):
        np.maximum(best, sims[:, j], out=best)
    best = np.clip(best, 0.0, 1.0)
    out: Array = (np.add.reduceat(best, seg) / counts).astype(np.float32)
    return out


def typical_fit(needs: Array, answers_q: Array, answers: Array, answer_offsets: Index,
                wants: Array, want_offsets: Index) -> Array:
    """(N,) each profile's two-sided need/offer fit with an average query: ``needs`` (m, d) and
    ``answers_q`` (k, d) are the seeks and the offers of a reference set of queries, each replaced
    by its normalised mean. A profile whose offers and seeks suit any query (generic wording)
    scores high here; one that suits particular queries does not. It stands in for the mean fit
    over the reference queries (a "hub" score, as in CSLS, Conneau et al. 2018) at the cost of one
    query.

    Args:
        answers, answer_offsets: every profile's offers (R_o, d) and their CSR offsets;
        wants, want_offsets: every profile's seeks (R_s, d) and their CSR offsets.
    """
    def centroid(rows: Array) -> Array:
        mean = rows.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        out: Array = (mean / norm if norm > 0 else mean)[None, :].astype(np.float32)
        return out

    n = len(answer_offsets) - 1
    if len(needs) == 0 or len(answers_q) == 0:
        return np.zeros(n, dtype=np.float32)
    out: Array = harmonic(directional_fit(centroid(needs), answers, answer_offsets),
                          reverse_fit(centroid(answers_q), wants, want_offsets))
    return out


def harmonic(a: Array, b: Array) -> Array:
    """Element-wise harmonic mean, 0 where both are 0."""
    total = a + b
    out = np.zeros_like(a)
    np.divide(2.0 * a * b, total, out=out, where=total > 0)
    return out


def thematic(cosines: Array, query_fields: Array, cand_fields: Array,
             cand_counts: Array | None = None) -> Array:
    """(n,) mean of the clipped text cosines (n,) and the field Jaccard; fields 0/1;
    ``cand_counts`` (n,): ``cand_fields.sum(axis=1)`` where already known."""
    cos = np.clip(cosines, 0.0, 1.0)
    inter = cand_fields @ query_fields
    counts = cand_fields.sum(axis=1) if cand_counts is None else cand_counts
    union = counts + query_fields.sum() - inter
    jaccard = np.zeros_like(inter)
    np.divide(inter, union, out=jaccard, where=union > 0)
    out: Array = (0.5 * cos + 0.5 * jaccard).astype(np.float32)
    return out


def relatedness(query_fields: Array, cand_fields: Array, phi: Array,
                cand_counts: Array | None = None) -> Array:
    """(n,) mean over each candidate's fields of the best ``phi`` to a query field.

    Args:
        query_fields: (T,) 0/1. cand_fields: (n, T) 0/1. phi: (T, T) in [0, 1].
        cand_counts: (n,) ``cand_fields.sum(axis=1)``, where already known.
    """
    if query_fields.sum() == 0:
        return np.zeros(len(cand_fields), dtype=np.float32)
    closeness = (phi * query_fields[:, None]).max(axis=0)  # (T,)
    counts = cand_fields.sum(axis=1) if cand_counts is None else cand_counts
    out = np.zeros(len(cand_fields), dtype=np.float32)
    np.divide(cand_fields @ closeness, counts, out=out, where=counts > 0)
    return out


def roles_added(query_roles: Array, cand_roles: Array) -> Array:
    """(n,) share of the roles the query lacks that each candidate has; 0/1 role indicators."""
    missing = 1.0 - query_roles
    if missing.sum() == 0:
        return np.zeros(len(cand_roles), dtype=np.float32)
    out: Array = ((cand_roles @ missing) / missing.sum()).astype(np.float32)
    return out


def parity(query_members: float, cand_members: Array) -> Array:
    """(n,) size comparability from member counts; NaN marks an unknown count."""
    if math.isnan(query_members):
        return np.full(len(cand_members), PARITY_UNKNOWN, dtype=np.float32)
    gap = np.abs(np.log1p(cand_members) - math.log1p(query_members)) / math.log(10.0)
    out = np.exp(-gap)
    return np.where(np.isnan(cand_members), PARITY_UNKNOWN, out).astype(np.float32)


@dataclass(frozen=True)
class Moments:
    """Mean and standard deviation of a component over a reference pool, where they are known
    without the pool's values (see :func:`matcher.engine.first_stage.regression_moments`)."""

    mean: np.float64
    std: float

    @classmethod
    def of(cls, pool: Array) -> Moments:
        """Those of ``pool`` (m,), computed in float64."""
        ref = pool.astype(np.float64)
        if not len(ref):
            return cls(np.float64(0.0), 0.0)
        return cls(ref.mean(), float(ref.std()))


def standardise(components: dict[str, Array], pool: Mapping[str, Array | Moments]) -> Array:
    """(n, len(COMPONENTS)) components standardised by the mean and standard deviation of
    ``pool`` ({name: (m,)}, the same candidates or a larger reference set, or its
    :class:`Moments`); a component that does not vary in the pool is 0."""
    out = np.zeros((len(components[COMPONENTS[0]]), len(COMPONENTS)), dtype=np.float32)
    for j, name in enumerate(COMPONENTS):
        out[:, j] = zscore(components[name], pool[name])
    return out


def zscore(values: Array, pool: Array | Moments) -> Array:
    """(n,) ``values`` standardised by the mean and standard deviation of ``pool`` (m,) (or its
    :class:`Moments`); 0 when the pool does not vary."""
    moments = pool if isinstance(pool, Moments) else Moments.of(pool)
    if moments.std <= 1e-9:
        return np.zeros(len(values), dtype=np.float32)
    out: Array = ((values - moments.mean) / moments.std).astype(np.float32)
    return out


def logistic(x: Array) -> Array:
    """Element-wise 1 / (1 + exp(-x)), without overflow."""
    out: Array = (0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))).astype(np.float32)
    return out
