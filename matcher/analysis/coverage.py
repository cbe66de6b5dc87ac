"""Where partnerships are, where they are missing, and where strong partners wait.

The coverage matrix crosses technology fields with world regions (UN M49 sub-regions, or
continents). Per cell (field f, region w):

- ``german_clusters``: German clusters active in f (the same for every region of the row);
- ``partnerships``: known bilateral partnerships from a German cluster active in f to a partner
  in w (affiliations, where one organisation runs the other, do not count);
- ``co_memberships``: pairs (German cluster in f, profile in w) that share a multi-party network
  but have no bilateral partnership: contact exists, a partnership does not;
- ``strong_matches``: suggested pairs (German cluster in f, partner in w) scoring at least the
  strong-match threshold: by default the ``strong_match_quantile`` (0.98) of the scores of all
  (German cluster, international profile) pairs, i.e. the best 2% of pairs, so that it follows the
  weights in use; a fixed ``threshold`` can be given instead;
- ``gap``: the standardised residual ``(E - Cov) / sqrt(E)`` with ``E = Opp * sum(Cov) / sum(Opp)``
  (expected partnerships if they followed opportunity); high where strong matches exist but
  partnerships do not.

:func:`coverage_counts` is the pure tier on index arrays; :func:`compute_coverage` resolves a
catalogue and a matcher to those arrays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..catalogue.catalogue import Catalogue
from ..config import GAP_BANDS
from ..engine.filters import Filters
from ..engine.ranking import Matcher
from ..errors import InvalidInputError

LEVELS = ("world_region", "continent")
IntArray = npt.NDArray[np.int64]


def coverage_counts(
    german_fields: npt.NDArray[np.float32],
    pairs: Sequence[tuple[int, int]],
    region_of: Sequence[int],
    n_regions: int,
) -> IntArray:
    """Counts of pairs per (field, region).

    Args:
        german_fields: (G, T) 0/1 fields of the German clusters.
        pairs: (german index, partner index), e.g. known partnerships or strong suggestions.
        region_of: region index of every partner index.
        n_regions: number of regions W.

    Returns:
        (T, W) int64 counts; a pair counts once in every field of its German cluster.
    """
    counts = np.zeros((german_fields.shape[1], n_regions), dtype=np.int64)
    for g, p in pairs:
        counts[german_fields[g] > 0, region_of[p]] += 1
    return counts


def gap_scores(coverage: IntArray, opportunity: IntArray) -> npt.NDArray[np.float64]:
    """(T, W) standardised residual ``(E - Cov) / sqrt(E)``, 0 where there is no opportunity."""
    total_cov, total_opp = coverage.sum(), opportunity.sum()
    if total_opp == 0:
        return np.zeros(coverage.shape)
    expected = opportunity * (total_cov / total_opp if total_cov else 1.0)
    out = np.zeros(coverage.shape)
    np.divide(expected - coverage, np.sqrt(expected), out=out, where=expected > 0)
    return out


@dataclass(frozen=True)
class Cell:
    field: str
    region: str
    german_clusters: int
    partnerships: int
    strong_matches: int
    co_memberships: int
    gap: float


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    country: str
    score: float


@dataclass
class Coverage:
    """The matrix, the ranked gaps and the three lists for programme staff."""

    level: str
    threshold: float
    fields: list[str]
    regions: list[str]
    cells: list[Cell]
    unpartnered: list[dict[str, Any]] = field(default_factory=list)
    untapped: list[dict[str, Any]] = field(default_factory=list)
    single_region_fields: list[dict[str, Any]] = field(default_factory=list)
    #: (german id, partner id) of known partnerships and (german id, partner id, score) of strong
    #: matches, with each id's fields and region, for :meth:`cell_details`.
    partner_pairs: list[tuple[str, str]] = field(default_factory=list)
    strong_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    german_fields: dict[str, list[str]] = field(default_factory=dict)
    partner_regions: dict[str, str] = field(default_factory=dict)

    def cell_details(self, field_name: str, region: str) -> dict[str, Any]:
        """The clusters and pairs behind one cell."""
        cell = self.cell(field_name, region)
        in_field = {g for g, fields in self.german_fields.items() if field_name in fields}
        return {
            "cell": asdict(cell),
            "german_clusters": sorted(in_field),
            "partnerships": [{"german": g, "partner": p} for g, p in self.partner_pairs
                             if g in in_field and self.partner_regions[p] == region],
            "strong_matches": sorted(
                ({"german": g, "partner": p, "score": round(s, 4)} for g, p, s in self.strong_pairs
                 if g in in_field and self.partner_regions[p] == region),
                key=lambda x: (-float(x["score"]), str(x["german"]), str(x["partner"]))),
        }

    def cell(self, field_name: str, region: str) -> Cell:
        for c in self.cells:
            if c.field == field_name and c.region == region:
                return c
        raise InvalidInputError(f"no cell ({field_name!r}, {region!r})", field="cell")

    def top_gaps(self, n: int = 10) -> list[Cell]:
        """Cells with strong matches and no partnership first, then by gap, largest first."""
        cells = [c for c in self.cells if c.strong_matches > 0]
        return sorted(cells, key=lambda c: (c.partnerships > 0, -c.gap, c.field, c.region))[:n]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "threshold": self.threshold,
            "fields": self.fields,
            "regions": self.regions,
            "cells": [asdict(c) for c in self.cells],
            "top_gaps": [asdict(c) for c in self.top_gaps()],
            "unpartnered_german_clusters": self.unpartnered,
            "untapped_international_profiles": self.untapped,
            "single_region_fields": self.single_region_fields,
        }


def gap_band(gap: float) -> int:
    """The band of a gap (:data:`~matcher.config.GAP_BANDS`): 0 for none (at most the first
    bound), then 1, 2, ... up to ``len(GAP_BANDS)`` for a clear gap."""
    return sum(1 for bound in GAP_BANDS if gap > bound)


def region_name(catalogue: Catalogue, country: str, level: str) -> str:
    geo = catalogue.reference.geography
    return geo.continent(country) if level == "continent" else geo.world_region(country)


def compute_coverage(matcher: Matcher, level: str = "world_region",
                     threshold: float | None = None) -> Coverage:
    """The coverage of the matcher's catalogue at ``level`` (``world_region`` or ``continent``)."""
    if level not in LEVELS:
        raise InvalidInputError(f"level must be one of {', '.join(LEVELS)}", field="level")
    catalogue = matcher.catalogue
    german = catalogue.german()
    international = catalogue.international()
    g_index = {p.id: i for i, p in enumerate(german)}
    p_index = {p.id: i for i, p in enumerate(international)}
    regions = sorted({region_name(catalogue, p.country, level) for p in international})
    r_index = {r: i for i, r in enumerate(regions)}
    region_of = [r_index[region_name(catalogue, p.country, level)] for p in international]
    tax = catalogue.reference.taxonomy
    german_fields = tax.indicator([p.fields for p in german])

    relationships = catalogue.relationships
    partner_pairs = sorted({
        (g_index[a], p_index[b])
        for link in relationships.labels()
        for a, b in ((link.a, link.b), (link.b, link.a))
        if a in g_index and b in p_index
    })
    co_member_pairs = sorted(
        (g_index[g.id], p_index[other])
        for g in german
        for other in relationships.co_members_of(g.id) - relationships.partners_of(g.id)
        if other in p_index
    )

    strong_pairs: list[tuple[int, int]] = []
    strong_scores: list[float] = []
    best: dict[str, list[tuple[float, str]]] = {}
    row_of = {p.id: i for i, p in enumerate(catalogue.profiles)}
    row_to_intl = {row_of[p.id]: i for i, p in enumerate(international)}
    scored = [(g, *matcher.scores(g, Filters())) for g in german]
    if threshold is None:
        pair_scores = [s for _, rows, scores in scored
                       for row, s in zip(rows.tolist(), scores.tolist(), strict=True)
                       if row in row_to_intl]
        quantile = matcher.config.strong_match_quantile
        threshold = round(float(np.quantile(pair_scores, quantile)), 4) if pair_scores else 1.0
    for g, rows, scores in scored:
        for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
            if row in row_to_intl and score >= threshold:
                strong_pairs.append((g_index[g.id], row_to_intl[row]))
                strong_scores.append(score)
        order = np.argsort(-scores, kind="stable")[:3]
        best[g.id] = [(float(scores[i]), catalogue.profiles[int(rows[i])].id) for i in order]

    cov, opp, co = (coverage_counts(german_fields, pairs, region_of, len(regions))
                    for pairs in (partner_pairs, strong_pairs, co_member_pairs))
    gaps = gap_scores(cov, opp)
    active = german_fields.sum(axis=0).astype(int)
    cells = [
        Cell(term, region, int(active[t]), int(cov[t, w]), int(opp[t, w]), int(co[t, w]),
             round(float(gaps[t, w]), 4))
        for t, term in enumerate(tax.terms) if active[t] > 0
        for w, region in enumerate(regions)
    ]
    fields_used = [term for t, term in enumerate(tax.terms) if active[t] > 0]

    partnered = {g for g, _ in partner_pairs}
    co_members: dict[int, int] = defaultdict(int)
    for gi, _ in co_member_pairs:
        co_members[gi] += 1
    unpartnered = [
        {"id": g.id, "name": g.name, "fields": list(g.fields),
         "international_co_members": co_members[i],
         "best_options": [asdict(Option(pid, catalogue.by_id[pid].name, catalogue.by_id[pid].country,
                                        round(score, 4))) for score, pid in best[g.id]]}
        for i, g in enumerate(german) if i not in partnered
    ]
    with_german = {p for _, p in partner_pairs}
    strong_by_partner: dict[int, list[int]] = defaultdict(list)
    for gi, pi in strong_pairs:
        strong_by_partner[pi].append(gi)
    untapped_rows = sorted(
        ((-len(gs), international[pi].id, pi, gs) for pi, gs in strong_by_partner.items()
         if pi not in with_german)
    )
    untapped = [
        {"id": international[pi].id, "name": international[pi].name,
         "country": international[pi].country,
         "region": region_name(catalogue, international[pi].country, level),
         "strong_matches": len(gs), "german_clusters": sorted(german[gi].id for gi in gs)}
        for _, _, pi, gs in untapped_rows
    ]
    single = []
    for t, term in enumerate(tax.terms):
        partner_regions = {regions[region_of[pi]] for gi, pi in partner_pairs
                           if german_fields[gi, t] > 0}
        if len(partner_regions) == 1:
            single.append({"field": term, "region": partner_regions.pop(),
                           "partnerships": int(cov[t].sum())})
    return Coverage(
        level, threshold, fields_used, regions, cells, unpartnered, untapped, single,
        partner_pairs=[(german[g].id, international[p].id) for g, p in partner_pairs],
        strong_pairs=[(german[g].id, international[p].id, s)
                      for (g, p), s in zip(strong_pairs, strong_scores, strict=True)],
        german_fields={g.id: list(g.fields) for g in german},
        partner_regions={p.id: regions[region_of[i]] for i, p in enumerate(international)},
    )


def format_coverage(coverage: Coverage, n: int = 15) -> str:
    """A readable summary: top gaps and the three lists."""
    lines = [f"Coverage by {coverage.level.replace('_', ' ')} (strong match: score >= "
             f"{coverage.threshold})", "", "Top gaps (strong matches, no or few partnerships):"]
    lines.append(f"  {'field':<44} {'region':<26} {'DE':>3} {'partn.':>6} {'strong':>6} {'gap':>6}")
    for c in coverage.top_gaps(n):
        lines.append(f"  {c.field[:44]:<44} {c.region[:26]:<26} {c.german_clusters:>3} "
                     f"{c.partnerships:>6} {c.strong_matches:>6} {c.gap:>6.2f}")
    lines += ["", f"German clusters with no international partner ({len(coverage.unpartnered)}):"]
    for u in coverage.unpartnered:
        options = "; ".join(f"{o['name']} ({o['country']}, {o['score']:.2f})" for o in u["best_options"])
        lines.append(f"  {u['name']}: {options}")
    lines += ["", f"Strong international profiles no German cluster works with "
                  f"({len(coverage.untapped)}, top {n}):"]
    for x in coverage.untapped[:n]:
        lines.append(f"  {x['name']} ({x['country']}): strong match for {x['strong_matches']} "
                     f"German cluster(s)")
    lines += ["", "Fields whose partners are in one region only:"]
    for s in coverage.single_region_fields:
        lines.append(f"  {s['field']}: {s['region']} ({s['partnerships']} partnership(s))")
    return "\n".join(lines) + "\n"
