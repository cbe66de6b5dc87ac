"""What changed in a German cluster's top-k since the last catalogue version: follow and alerts.

When the catalogue a matcher serves changes (a profile written, a rebuild or reload), each German
cluster's top-k (its new suggestions as its page lists them, less the candidates it dismissed) is
taken again and compared with the stored one. A candidate that is new in the list, or moved up by
at least ``min_rise`` places, with a score of at least ``min_score``, becomes an alert. A cluster
without a previous list gets none: its first list is the baseline.

:func:`diff_topk` is the pure tier (lists in, changes out); the records here are what the store
keeps. Running the matcher for a follow run is ``matcher.analysis.follow``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("new", "up")


@dataclass(frozen=True)
class Entry:
    """One place of a top-k list (``place`` from 1)."""

    candidate: str
    place: int
    score: float


@dataclass(frozen=True)
class Alert:
    """A candidate new in a cluster's top-k (``kind="new"``) or moved up (``"up"``)."""

    id: str
    cluster: str
    candidate: str
    kind: str
    place: int
    previous_place: int | None
    score: float
    version: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff_topk(previous: Sequence[Entry], current: Sequence[Entry], *, min_score: float,
              min_rise: int) -> list[tuple[Entry, int | None]]:
    """Entries of ``current`` worth an alert, each with its previous place (None if new).

    New: not in ``previous``. Moved up: its place improved by at least ``min_rise``. Either
    needs a score of at least ``min_score``. Returned in ``current``'s order.
    """
    before = {e.candidate: e.place for e in previous}
    out: list[tuple[Entry, int | None]] = []
    for entry in current:
        if entry.score < min_score:
            continue
        old = before.get(entry.candidate)
        if old is None or old - entry.place >= min_rise:
            out.append((entry, old))
    return out


def alert_id(cluster: str, candidate: str, previous_version: str | None, version: str) -> str:
    """A stable id: the same change between the same versions is one alert, however often it
    is computed."""
    text = "\x1f".join((cluster, candidate, previous_version or "", version))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def alerts_between(previous: Mapping[str, Sequence[Entry]], current: Mapping[str, Sequence[Entry]],
                   *, previous_version: str | None, version: str, created_at: str,
                   min_score: float, min_rise: int) -> list[Alert]:
    """Alerts of every cluster in ``current`` that has a list in ``previous``."""
    out = []
    for cluster, entries in current.items():
        if cluster not in previous:
            continue  # the first list of a cluster is its baseline
        for entry, old in diff_topk(previous[cluster], entries, min_score=min_score,
                                    min_rise=min_rise):
            out.append(Alert(alert_id(cluster, entry.candidate, previous_version, version),
                             cluster, entry.candidate, "new" if old is None else "up",
                             entry.place, old, entry.score, version, created_at))
    return out
