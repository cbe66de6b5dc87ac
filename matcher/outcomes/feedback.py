"""What cluster managers did with a suggestion: statuses, labels for evaluation, the funnel.

A manager marks a suggested partner ``interested``, ``contacted``, ``meeting``, ``agreement``
(a signed agreement or memorandum of understanding) or ``not_relevant`` (with a reason). Every
mark is kept with its time; a mark equal to the pair's current one records nothing (idempotent).

Labels (:func:`feedback_labels`): a pair whose current status is one of :data:`POSITIVE` counts
as relevant, one marked ``not_relevant`` as dismissed. ``interested`` is positive too: it is the
manager's own judgement that the suggestion fits, which is what a ranking can be asked to find;
the later stages depend on the partner's answer and on timing, which no ranking can see, and
counting only them would leave very few labels. A later ``not_relevant`` overrides an earlier
positive mark (the manager changed their mind).

The funnel (:func:`funnel`) counts each (German cluster, candidate) pair once, at the furthest
stage it ever reached: suggested (in a top-k snapshot) -> interested -> contacted -> meeting ->
agreement, overall, by field of the German cluster and by world region of the candidate, and
compares meeting -> agreement with the one public anchor, :data:`ANCHOR`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..catalogue.catalogue import HOME_COUNTRY, Catalogue
from ..catalogue.profiles import text_problem
from ..errors import InvalidInputError

STATUSES: tuple[str, ...] = ("interested", "contacted", "meeting", "agreement", "not_relevant")
POSITIVE: tuple[str, ...] = ("interested", "contacted", "meeting", "agreement")
DISMISSED = "not_relevant"
#: The funnel's stages, in order; each after "suggested" is a status.
STAGES: tuple[str, ...] = ("suggested", *POSITIVE)
REASONS: tuple[str, ...] = ("wrong_field", "wrong_size", "already_working_together", "other")
MAX_NOTE = 500
#: Positive feedback labels (on candidates not already partners) needed before they take part in
#: fitting the weights.
MIN_FEEDBACK_LABELS = 30
#: Pairs that reached a meeting needed before our meeting -> agreement rate is compared.
MIN_COMPARABLE_MEETINGS = 30
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Anchor:
    """A published conversion from meetings to agreements."""

    meetings: int
    agreements: int
    projects: int
    source: str

    @property
    def rate(self) -> float:
        return self.agreements / self.meetings


#: The EU "Clusters Go International" action: 370 cluster-to-cluster meetings, 39 MoUs (10.5%),
#: 45 projects.
ANCHOR = Anchor(370, 39, 45, 'EU action "Clusters Go International": 370 cluster-to-cluster '
                             "meetings led to 39 MoUs (10.5%) and 45 projects")


@dataclass(frozen=True)
class Feedback:
    """One mark of a suggestion. ``actor`` is the token id that wrote it, or ``admin``;
    ``at`` is an ISO 8601 UTC time."""

    cluster: str
    candidate: str
    status: str
    reason: str | None = None
    note: str | None = None
    actor: str = "admin"
    at: str = ""

    def same_mark(self, other: Feedback) -> bool:
        """Whether ``other`` says the same (status, reason, note), whoever wrote it when."""
        return (self.status, self.reason, self.note) == (other.status, other.reason, other.note)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_feedback(status: str, reason: str | None, note: str | None) -> None:
    """Raise :class:`InvalidInputError` naming the field unless the mark is well-formed.

    ``reason`` is required with ``not_relevant`` and refused with any other status; ``note``
    (at most :data:`MAX_NOTE` characters, one line) is required with the reason ``other``.
    """
    if status not in STATUSES:
        raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}", field="status")
    if status == DISMISSED:
        if reason is None:
            raise InvalidInputError(f"reason is required with not_relevant: one of "
                                    f"{', '.join(REASONS)}", field="reason")
        if reason not in REASONS:
            raise InvalidInputError(f"reason must be one of {', '.join(REASONS)}", field="reason")
    elif reason is not None:
        raise InvalidInputError("reason: only with the status not_relevant", field="reason")
    if note is not None:
        problem = text_problem(note)
        if len(note) > MAX_NOTE:
            problem = f"is longer than {MAX_NOTE} characters"
        if problem:
            raise InvalidInputError(f"note {problem}", field="note")
    if reason == "other" and not (note or "").strip():
        raise InvalidInputError("note is required with the reason other", field="note")


def new_mark(catalogue: Catalogue, cluster: str, candidate: str, status: str, reason: str | None,
             note: str | None, *, actor: str, at: str) -> Feedback:
    """A checked mark of ``candidate`` for the German cluster ``cluster``.

    Raises:
        UnknownProfileError: either id is not in ``catalogue``.
        InvalidInputError: ``cluster`` is not German, ``candidate`` is ``cluster`` itself or
            German (suggestions are international), or the mark is malformed
            (:func:`check_feedback`); ``field`` names where.
    """
    profile = catalogue.get(cluster)
    if profile.country != HOME_COUNTRY:
        raise InvalidInputError(f"feedback is given by German clusters; {cluster!r} is in "
                                f"{profile.country}", field="id")
    try:
        partner = catalogue.get(candidate)
    except InvalidInputError as exc:
        raise InvalidInputError(f"candidate: {exc}", field="candidate") from None
    if candidate == cluster:
        raise InvalidInputError("candidate: a cluster is not its own partner", field="candidate")
    if partner.country == HOME_COUNTRY:
        raise InvalidInputError(f"candidate: {candidate!r} is a German cluster; suggestions are "
                                f"international", field="candidate")
    note = note.strip() if note is not None and note.strip() else None
    check_feedback(status, reason, note)
    return Feedback(cluster, candidate, status, reason, note, actor, at)


def current(history: Iterable[Feedback]) -> dict[tuple[str, str], Feedback]:
    """The latest mark of each (cluster, candidate) pair; ``history`` in the order written."""
    out: dict[tuple[str, str], Feedback] = {}
    for entry in history:
        out[(entry.cluster, entry.candidate)] = entry
    return out


@dataclass(frozen=True)
class FeedbackLabels:
    """German id -> candidate ids marked positive / dismissed (by their current status)."""

    positive: dict[str, set[str]] = field(default_factory=dict)
    dismissed: dict[str, set[str]] = field(default_factory=dict)

    def count(self, which: str = "positive") -> int:
        return sum(len(v) for v in getattr(self, which).values())

    def restricted(self, german: Iterable[str], international: Iterable[str]) -> tuple[
            FeedbackLabels, int]:
        """Only pairs of a German id in ``german`` and a candidate in ``international``, and how
        many pairs were left out (ids no longer in the catalogue, or on the wrong side)."""
        g, i = set(german), set(international)
        kept: dict[str, dict[str, set[str]]] = {"positive": {}, "dismissed": {}}
        dropped = 0
        for which in kept:
            for cluster, candidates in getattr(self, which).items():
                ok = candidates & i if cluster in g else set()
                dropped += len(candidates) - len(ok)
                if ok:
                    kept[which][cluster] = ok
        return FeedbackLabels(kept["positive"], kept["dismissed"]), dropped


def feedback_labels(history: Iterable[Feedback]) -> FeedbackLabels:
    """Labels from the current status of every pair (see the module docstring)."""
    labels = FeedbackLabels()
    for (cluster, candidate), entry in current(history).items():
        target = labels.positive if entry.status in POSITIVE else labels.dismissed
        target.setdefault(cluster, set()).add(candidate)
    return labels


# --- the funnel --------------------------------------------------------------------------------
def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion (0, 0 when ``n`` is 0)."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


@dataclass(frozen=True)
class Comparison:
    """Our meeting -> agreement rate beside the anchor's, and whether they can be compared."""

    meetings: int
    agreements: int
    rate: float | None
    ci95: tuple[float, float]
    anchor_rate: float
    verdict: str  # no_meetings, too_few, consistent, above, below

    def sentence(self) -> str:
        anchor = f"{self.anchor_rate:.1%}"
        if self.verdict == "no_meetings":
            return f"No meeting recorded yet: nothing to compare with the {anchor} anchor."
        ours = (f"{self.agreements} agreements from {self.meetings} meetings "
                f"({self.rate or 0:.1%}, 95% interval {self.ci95[0]:.1%} to {self.ci95[1]:.1%})")
        if self.verdict == "too_few":
            return (f"{ours}: too few meetings to compare with the {anchor} anchor (at least "
                    f"{MIN_COMPARABLE_MEETINGS} needed).")
        word = {"consistent": "consistent with", "above": "above", "below": "below"}[self.verdict]
        return f"{ours}: {word} the {anchor} anchor."

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ci95"] = list(self.ci95)
        out["sentence"] = self.sentence()
        return out


def compare(meetings: int, agreements: int, anchor: Anchor = ANCHOR,
            minimum: int = MIN_COMPARABLE_MEETINGS) -> Comparison:
    """Our ``agreements / meetings`` beside ``anchor``: too few below ``minimum`` meetings,
    else consistent when the anchor's rate lies in our Wilson 95% interval, above or below."""
    ci = wilson_interval(agreements, meetings)
    rate = round(agreements / meetings, 4) if meetings else None
    if meetings == 0:
        verdict = "no_meetings"
    elif meetings < minimum:
        verdict = "too_few"
    elif ci[0] <= anchor.rate <= ci[1]:
        verdict = "consistent"
    else:
        verdict = "above" if ci[0] > anchor.rate else "below"
    return Comparison(meetings, agreements, rate, ci, round(anchor.rate, 4), verdict)


@dataclass(frozen=True)
class Funnel:
    """Pairs that reached at least each stage, overall and by group; see :func:`funnel`."""

    overall: dict[str, int]
    by_field: dict[str, dict[str, int]]
    by_region: dict[str, dict[str, int]]
    dismissed: int
    outside_suggestions: int
    comparison: Comparison

    def to_dict(self) -> dict[str, Any]:
        return {"stages": list(STAGES), "overall": self.overall, "by_field": self.by_field,
                "by_world_region": self.by_region, "dismissed": self.dismissed,
                "feedback_outside_suggestions": self.outside_suggestions,
                "anchor": {"meetings": ANCHOR.meetings, "agreements": ANCHOR.agreements,
                           "projects": ANCHOR.projects, "rate": round(ANCHOR.rate, 4),
                           "source": ANCHOR.source},
                "meeting_to_agreement": self.comparison.to_dict()}


def furthest(statuses: Iterable[str]) -> int:
    """Index in :data:`STAGES` of the furthest stage among ``statuses`` (0: only suggested)."""
    return max((STAGES.index(s) for s in statuses if s in STAGES), default=0)


def funnel(suggested: Iterable[tuple[str, str]], history: Sequence[Feedback],
           fields_of: Mapping[str, Sequence[str]], region_of: Mapping[str, str]) -> Funnel:
    """The conversion funnel of suggested pairs.

    Args:
        suggested: (German cluster, candidate) pairs that appeared in a top-k snapshot.
        history: every mark, in the order written.
        fields_of: German cluster id -> its fields (a cluster counts in each of its fields).
        region_of: candidate id -> its world region.

    Each suggested pair counts once, at the furthest stage it ever reached (a later
    ``not_relevant`` does not undo a meeting that took place); counts are cumulative ("reached
    at least"). Marks on pairs that were never in a snapshot are counted apart
    (``outside_suggestions``), so that every stage is a subset of the one before.
    """
    pairs = set(suggested)
    reached: dict[tuple[str, str], list[str]] = {p: [] for p in pairs}
    outside: set[tuple[str, str]] = set()
    for entry in history:
        key = (entry.cluster, entry.candidate)
        if key in reached:
            reached[key].append(entry.status)
        else:
            outside.add(key)
    latest = current(history)
    dismissed = sum(1 for key, e in latest.items() if key in pairs and e.status == DISMISSED)

    def empty() -> dict[str, int]:
        return dict.fromkeys(STAGES, 0)

    overall = empty()
    by_field: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    for (cluster, candidate), statuses in sorted(reached.items()):
        stage = furthest(statuses)
        groups = [overall, by_region.setdefault(region_of.get(candidate, UNKNOWN), empty())]
        groups += [by_field.setdefault(f, empty()) for f in fields_of.get(cluster, (UNKNOWN,))]
        for counts in groups:
            for name in STAGES[: stage + 1]:
                counts[name] += 1
    return Funnel(overall, dict(sorted(by_field.items())), dict(sorted(by_region.items())),
                  dismissed, len(outside), compare(overall["meeting"], overall["agreement"]))


def catalogue_funnel(catalogue: Catalogue, suggested: Iterable[tuple[str, str]],
                     history: Sequence[Feedback]) -> Funnel:
    """:func:`funnel` with the fields and world regions of ``catalogue``."""
    geo = catalogue.reference.geography
    return funnel(suggested, history, {p.id: p.fields or (UNKNOWN,) for p in catalogue.profiles},
                  {p.id: geo.world_region(p.country) for p in catalogue.profiles})


def format_funnel(result: Funnel) -> str:
    """The funnel as text tables for the command line."""
    def rows(groups: Mapping[str, Mapping[str, int]], title: str) -> list[str]:
        lines = [f"| {title} | " + " | ".join(STAGES) + " |", "|---|" + "---|" * len(STAGES)]
        for name, counts in groups.items():
            lines.append(f"| {name} | " + " | ".join(str(counts[s]) for s in STAGES) + " |")
        return lines

    o = result.overall
    lines = ["suggested -> interested -> contacted -> meeting -> agreement (pairs that reached at "
             "least each stage)",
             " -> ".join(f"{s} {o[s]}" for s in STAGES),
             f"dismissed (not relevant): {result.dismissed}; marks on pairs never suggested: "
             f"{result.outside_suggestions}",
             "",
             f"meeting -> agreement: {result.comparison.sentence()}",
             f"anchor: {ANCHOR.source}",
             "", *rows(result.by_field, "field of the German cluster"),
             "", *rows(result.by_region, "world region of the partner")]
    return "\n".join(lines) + "\n"
