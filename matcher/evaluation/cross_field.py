"""How the "beyond your field" list differs from the main list, measured on the catalogue.

Four figures, each for the main list (``scope=all``) and the cross-field list, strict and not:

1. **field overlap**: over every German profile's top-k, the share of suggestions that share a
   field with the query (goal for the cross-field list: below 0.3);
2. **need/offer fit**: the mean two-sided need/offer fit (the ``complementarity`` component) of
   the suggestions, per query and then over queries, with the paired difference to the main list;
3. **exposure**: how concentrated each list's suggestions are over all German profiles (the share
   of lists that hold the most suggested profile, and of all slots the ten most suggested hold;
   :func:`~matcher.evaluation.metrics.exposure_of`);
4. **cross-field partnerships found**: the known bilateral partnerships (agreement, memorandum,
   joint project, exchange) whose two sides share no field and sit in different countries; each
   side is a query and the other its hidden partner; how many such (query, partner) pairs each
   list has in its top k.

Protocol: all of a query's relationships are hidden. The main list reads no relationships; the
cross-field list reads field co-occurrence among partnerships, from which the matcher always
leaves the query's own out. Lists are as shown: default filters (the query's country left out),
diversity on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..catalogue.catalogue import Catalogue
from ..engine.ranking import Matcher, MatchResult
from .metrics import bootstrap_ci, exposure_of

#: The lists compared: name -> (scope, strict).
LISTS: dict[str, tuple[str, bool]] = {
    "main": ("all", True),
    "cross_field": ("cross_field", True),
    "cross_field_not_strict": ("cross_field", False),
}
#: How many of the most suggested profiles the exposure's slot share counts.
HUBS = 10


def share_sharing_field(query_fields: Sequence[str], suggested: Sequence[Sequence[str]]) -> float:
    """Share of the ``suggested`` profiles (their fields) sharing a field with the query; 0 for
    an empty list."""
    if not suggested:
        return 0.0
    ours = set(query_fields)
    return sum(1 for fields in suggested if ours & set(fields)) / len(suggested)


def cross_field_partnerships(catalogue: Catalogue) -> dict[str, set[str]]:
    """Profile id -> its partners (partnership kinds) that share no field with it and are in
    another country; both sides of each such partnership are queries."""
    out: dict[str, set[str]] = {}
    for link in catalogue.relationships.labels():
        a, b = catalogue.by_id.get(link.a), catalogue.by_id.get(link.b)
        if a is None or b is None or a.country == b.country or set(a.fields) & set(b.fields):
            continue
        out.setdefault(a.id, set()).add(b.id)
        out.setdefault(b.id, set()).add(a.id)
    return out


def found(result: MatchResult, partners: set[str]) -> int:
    """How many of ``partners`` the list of ``result`` holds."""
    return sum(1 for m in result.matches if m.id in partners)


@dataclass
class ListFigures:
    """The figures of one list."""

    field_overlap: float
    field_overlap_ci95: tuple[float, float]
    fit: float
    fit_ci95: tuple[float, float]
    fit_minus_main: float
    fit_minus_main_ci95: tuple[float, float]
    mean_length: float
    partnerships_found: int
    #: The most suggested profile, the share of lists it is in, and the share of all slots the
    #: :data:`HUBS` most suggested hold.
    most_suggested: str = ""
    max_share: float = 0.0
    top_share: float = 0.0


@dataclass
class CrossFieldMeasures:
    top: int
    n_queries: int
    n_partnership_queries: int
    n_partnerships: int
    lists: dict[str, ListFigures] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(matcher: Matcher, *, top: int = 10, seed: int = 0) -> CrossFieldMeasures:
    """The four figures for the lists of :data:`LISTS` (see the module docstring)."""
    catalogue = matcher.catalogue
    german = catalogue.german()
    overlap: dict[str, list[float]] = {name: [] for name in LISTS}
    fit: dict[str, list[float]] = {name: [] for name in LISTS}
    length: dict[str, list[int]] = {name: [] for name in LISTS}
    shown: dict[str, list[list[str]]] = {name: [] for name in LISTS}
    for query in german:
        for name, (scope, strict) in LISTS.items():
            result = matcher.match(query, top=top, scope=scope, strict=strict)
            overlap[name].append(share_sharing_field(query.fields,
                                                     [m.fields for m in result.matches]))
            fits = [m.explanation.components["complementarity"] for m in result.matches]
            fit[name].append(float(np.mean(fits)) if fits else float("nan"))
            length[name].append(len(result.matches))
            shown[name].append([m.id for m in result.matches])
    pairs = cross_field_partnerships(catalogue)
    hits = dict.fromkeys(LISTS, 0)
    for pid, partners in sorted(pairs.items()):
        for name, (scope, strict) in LISTS.items():
            hits[name] += found(matcher.match(pid, top=top, scope=scope, strict=strict), partners)
    out = CrossFieldMeasures(top, len(german), len(pairs), sum(len(p) for p in pairs.values()))
    main_fit = np.asarray(fit["main"])
    for name in LISTS:
        values = np.asarray(fit[name])
        ok = ~np.isnan(values) & ~np.isnan(main_fit)  # an empty list has no fit
        diff = (values - main_fit)[ok]
        spread = exposure_of(shown[name], [p.id for p in catalogue.profiles], hubs=HUBS)
        out.lists[name] = ListFigures(
            field_overlap=round(float(np.mean(overlap[name])), 4),
            field_overlap_ci95=bootstrap_ci(overlap[name], seed=seed),
            fit=round(float(np.mean(values[ok])), 4) if ok.any() else 0.0,
            fit_ci95=bootstrap_ci(list(values[ok]), seed=seed),
            fit_minus_main=round(float(diff.mean()), 4) if len(diff) else 0.0,
            fit_minus_main_ci95=bootstrap_ci(list(diff), seed=seed),
            mean_length=round(float(np.mean(length[name])), 2),
            partnerships_found=hits[name],
            most_suggested=str(spread["most_suggested"][0]["id"]) if spread["slots"] else "",
            max_share=spread["max_share"],
            top_share=spread[f"share_of_top_{HUBS}"],
        )
    return out


def format_measures(m: CrossFieldMeasures) -> str:
    """The figures as a Markdown table with a header line."""
    lines = [
        f"beyond your field: top {m.top} of {m.n_queries} German profiles; cross-field "
        f"partnerships: {m.n_partnerships} (query, partner) pairs from {m.n_partnership_queries} "
        "queries (partners sharing no field, in another country)",
        "",
        "| list | shares a field with the query | need/offer fit | fit minus main list "
        f"| mean length | cross-field partners in top {m.top} | most suggested (share of lists) "
        f"| slots the {HUBS} most suggested hold |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f in m.lists.items():
        lines.append(
            f"| {name} | {f.field_overlap:.3f} [{f.field_overlap_ci95[0]:.2f}, "
            f"{f.field_overlap_ci95[1]:.2f}] | {f.fit:.3f} [{f.fit_ci95[0]:.2f}, {f.fit_ci95[1]:.2f}] "
            f"| {f.fit_minus_main:+.3f} [{f.fit_minus_main_ci95[0]:+.2f}, "
            f"{f.fit_minus_main_ci95[1]:+.2f}] | {f.mean_length:.1f} "
            f"| {f.partnerships_found} of {m.n_partnerships} | {f.most_suggested or '-'} "
            f"({f.max_share:.0%}) | {f.top_share:.1%} |")
    return "\n".join(lines) + "\n"
