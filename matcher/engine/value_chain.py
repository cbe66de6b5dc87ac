"""Value-chain partners from related fields: which fields are linked, and whom that makes a
"beyond your field" candidate.

The main list finds peers: nearly every suggestion shares a field with the query. The second list
looks for partners whose fields do not overlap the query's but are measurably linked to them, by
either of two kinds of evidence:

- the measured relatedness ``phi`` of the two fields (U.S. Cluster Mapping, see
  :mod:`matcher.taxonomy`) is at least ``min_relatedness``;
- co-occurrence among known bilateral partnerships: ``counts[k, l]`` partnerships join field k on
  one side with field l on the other, at least ``min_partnerships`` of them. Their proximity is
  ``counts[k, l] / max(u_k, u_l)`` (Hidalgo et al. 2007), ``u_k`` the partnerships with field k on
  either side.

A linked pair's strength is the larger of the two values that count (0 where neither does). A
candidate's ``link`` is the mean over its fields of their strongest link to a query field, fields
the query already holds counting 0: a partner that brings only new, linked fields scores highest.
Strict: candidates share no field with the query; otherwise shared fields are allowed as long as
the candidate brings at least one new linked field (``link > 0``). The query's own partnerships
never count: its ties must not explain its suggestions, and the evaluation hides them
(:meth:`FieldLinks.for_query` subtracts them).

Pure functions on arrays first; :class:`FieldLinks` resolves a catalogue to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..catalogue.catalogue import Catalogue
from ..catalogue.taxonomy import Taxonomy
from ..config import MatcherConfig
from .complementarity import Array, Moments, logistic, zscore

Counts = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class FieldLink:
    """One of the candidate's fields (``theirs``) linked to one of the query's (``ours``):
    their measured relatedness and how many known partnerships of others join the two."""

    ours: str
    theirs: str
    relatedness: float
    partnerships: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- pure tier ---------------------------------------------------------------------------------
def field_cooccurrence(side_a: Flags, side_b: Flags) -> tuple[Counts, Counts]:
    """How often fields are joined by partnerships.

    Args:
        side_a, side_b: (P, T) bool, the fields of each partnership's two sides.

    Returns:
        counts (T, T) int64, symmetric: the partnerships with field k on one side and field l on
        the other (each partnership once per pair of fields); totals (T,) int64: the partnerships
        with field k on either side.
    """
    a = np.asarray(side_a, dtype=np.int64)
    b = np.asarray(side_b, dtype=np.int64)
    both = a * b
    # |a_k b_l OR b_k a_l| summed over partnerships = a'b + b'a - (a AND b)'(a AND b)
    counts: Counts = a.T @ b + b.T @ a - both.T @ both
    totals: Counts = np.maximum(a, b).sum(axis=0)
    return counts, totals


def proximity(counts: Counts, totals: Counts) -> Array:
    """(T, T) float32: ``counts[k, l] / max(totals[k], totals[l])``, 0 where both totals are 0."""
    larger = np.maximum.outer(totals, totals).astype(np.float64)
    out = np.zeros(counts.shape, dtype=np.float64)
    np.divide(counts, larger, out=out, where=larger > 0)
    return out.astype(np.float32)


def link_strength(phi: Array, counts: Counts, totals: Counts, *, min_relatedness: float,
                  min_partnerships: int) -> Array:
    """(T, T) float32 in [0, 1]: how strongly two different fields are linked; 0 where neither
    the relatedness ``phi`` (T, T) reaches ``min_relatedness`` nor ``counts`` reach
    ``min_partnerships``; 0 on the diagonal (the same field is shared, not linked)."""
    by_phi = np.where(phi >= min_relatedness, phi, 0.0)
    by_partnerships = np.where(counts >= min_partnerships, proximity(counts, totals), 0.0)
    out = np.maximum(by_phi, by_partnerships).astype(np.float32)
    np.fill_diagonal(out, 0.0)
    return out


def shares_field(query_fields: Array, cand_fields: Array) -> Flags:
    """(n,) True where a candidate (n, T) 0/1 holds one of the query's (T,) 0/1 fields."""
    out: Flags = (cand_fields @ query_fields) > 0
    return out


def value_chain_link(query_fields: Array, cand_fields: Array, strength: Array) -> Array:
    """(n,) mean over each candidate's fields of their strongest link to a query field; fields
    the query already holds count 0.

    Args:
        query_fields: (T,) 0/1. cand_fields: (n, T) 0/1. strength: (T, T) from
            :func:`link_strength`.
    """
    if query_fields.sum() == 0:
        return np.zeros(len(cand_fields), dtype=np.float32)
    best = (strength * query_fields[:, None]).max(axis=0) * (1.0 - query_fields)  # (T,)
    held = cand_fields.sum(axis=1)
    out = np.zeros(len(cand_fields), dtype=np.float32)
    np.divide(cand_fields @ best, held, out=out, where=held > 0)
    return out


def eligible(query_fields: Array, cand_fields: Array, link: Array, *, strict: bool) -> Flags:
    """(n,) True where a candidate brings a new linked field (``link`` (n,) > 0) and, when
    ``strict``, shares no field with the query."""
    ok: Flags = link > 0
    if strict:
        ok &= ~shares_field(query_fields, cand_fields)
    return ok


def cross_field_score(fit: Array, link: Array, pool_fit: Array | Moments, pool_link: Array, *,
                      link_weight: float, standardised: bool, typical: Array | None = None,
                      pool_typical: Array | None = None, typical_weight: float = 0.0) -> Array:
    """(n,) the "beyond your field" score: two-sided need/offer ``fit`` (n,) and ``link`` (n,),
    weighted ``1 - link_weight`` and ``link_weight``, less ``typical_weight`` times the
    candidates' ``typical`` fit (n,), their fit with an average query
    (:func:`~matcher.engine.complementarity.typical_fit`): a candidate that suits everyone does
    not top every list.

    Standardised: each is standardised over its reference pool (``pool_fit``, ``pool_link``,
    ``pool_typical``, (m,), or the fit's :class:`~matcher.engine.complementarity.Moments`) and the
    weighted sum goes through the logistic, so 0.5 is an average profile of the pool, as in the
    main list. Otherwise the weighted sum of the raw values.
    """
    held = typical if typical_weight > 0 else None
    if standardised:
        total = (1.0 - link_weight) * zscore(fit, pool_fit) + link_weight * zscore(link, pool_link)
        if held is not None:
            total = total - typical_weight * zscore(held, held if pool_typical is None
                                                    else pool_typical)
        return logistic(total)
    out: Array = ((1.0 - link_weight) * fit + link_weight * link).astype(np.float32)
    if held is not None:
        out = (out - typical_weight * held).astype(np.float32)
    return out


# --- thin tier ---------------------------------------------------------------------------------
class FieldLinks:
    """Field co-occurrence among a catalogue's bilateral partnerships (affiliations excluded), and
    the link strengths of one query with its own partnerships left out."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.taxonomy: Taxonomy = catalogue.reference.taxonomy
        ends = [(x.a, x.b) for x in catalogue.relationships.labels()
                if x.a in catalogue and x.b in catalogue]
        tax = self.taxonomy
        self._a = tax.indicator([catalogue.by_id[a].fields for a, _ in ends]) > 0
        self._b = tax.indicator([catalogue.by_id[b].fields for _, b in ends]) > 0
        self._rows: dict[str, list[int]] = defaultdict(list)
        for row, (a, b) in enumerate(ends):
            self._rows[a].append(row)
            self._rows[b].append(row)
        self.counts, self.totals = field_cooccurrence(self._a, self._b)

    def for_query(self, profile_id: str) -> tuple[Counts, Counts]:
        """``counts`` and ``totals`` without the partnerships of ``profile_id``."""
        rows = self._rows.get(profile_id)
        if not rows:
            return self.counts, self.totals
        own_counts, own_totals = field_cooccurrence(self._a[rows], self._b[rows])
        return self.counts - own_counts, self.totals - own_totals

    def strength(self, profile_id: str, config: MatcherConfig) -> tuple[Array, Counts]:
        """(T, T) link strengths for the query ``profile_id``, and the partnership counts behind
        them (its own partnerships left out)."""
        counts, totals = self.for_query(profile_id)
        strength = link_strength(self.taxonomy.phi, counts, totals,
                                 min_relatedness=config.cross_field_min_relatedness,
                                 min_partnerships=config.cross_field_min_partnerships)
        return strength, counts

    def links(self, ours: Sequence[str], theirs: Sequence[str], strength: Array, counts: Counts,
              n: int = 3) -> list[FieldLink]:
        """The ``n`` strongest links from ``theirs`` (fields the query does not hold) to
        ``ours``, strongest first."""
        index, phi = self.taxonomy.index, self.taxonomy.phi
        found = []
        for t in theirs:
            if t in ours:
                continue
            for o in ours:
                i, j = index[o], index[t]
                if strength[i, j] > 0:
                    found.append((-float(strength[i, j]), o, t,
                                  FieldLink(o, t, round(float(phi[i, j]), 3), int(counts[i, j]))))
        return [link for *_, link in sorted(found, key=lambda x: x[:3])][:n]
