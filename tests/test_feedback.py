"""Feedback as domain rules: marks, labels, the funnel on a seeded history, the anchor comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher import Catalogue, InvalidInputError, UnknownProfileError
from matcher.outcomes.alerts import Entry
from matcher.outcomes.feedback import (
    ANCHOR,
    Feedback,
    catalogue_funnel,
    check_feedback,
    compare,
    feedback_labels,
    format_funnel,
    funnel,
    new_mark,
    wilson_interval,
)
from matcher.store import SQLiteStore


@pytest.mark.parametrize(("status", "reason", "note", "field"), [
    ("liked", None, None, "status"),
    ("not_relevant", None, None, "reason"),
    ("not_relevant", "too_far", None, "reason"),
    ("interested", "wrong_field", None, "reason"),
    ("not_relevant", "other", None, "note"),
    ("not_relevant", "other", "  ", "note"),
    ("interested", None, "x" * 501, "note"),
    ("interested", None, "line\nbreak", "note"),
])
def test_malformed_marks_name_the_field(status: str, reason: str | None, note: str | None,
                                        field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_feedback(status, reason, note)
    assert info.value.field == field


def test_well_formed_marks_pass() -> None:
    for status in ("interested", "contacted", "meeting", "agreement"):
        check_feedback(status, None, None)
    check_feedback("not_relevant", "wrong_size", None)
    check_feedback("not_relevant", "other", "they closed down")


def test_a_mark_needs_a_german_cluster_and_a_known_other_candidate(catalogue: Catalogue) -> None:
    mark = new_mark(catalogue, "de-aero", "ca-aero-mutual", "meeting", None, "  met in Montréal ",
                    actor="admin", at="2025-01-01T00:00:00.000000Z")
    assert (mark.status, mark.note) == ("meeting", "met in Montréal")
    with pytest.raises(UnknownProfileError):
        new_mark(catalogue, "de-aerx", "ca-aero-mutual", "meeting", None, None, actor="a", at="t")
    with pytest.raises(InvalidInputError) as info:
        new_mark(catalogue, "ca-aero-mutual", "de-aero", "meeting", None, None, actor="a", at="t")
    assert info.value.field == "id"
    for candidate in ("nope", "de-aero"):
        with pytest.raises(InvalidInputError) as info:
            new_mark(catalogue, "de-aero", candidate, "meeting", None, None, actor="a", at="t")
        assert info.value.field == "candidate"


def mark(cluster: str, candidate: str, status: str, reason: str | None = None) -> Feedback:
    return Feedback(cluster, candidate, status, reason)


def test_labels_follow_the_current_mark() -> None:
    history = [
        mark("de-aero", "ca-aero-mutual", "interested"),
        mark("de-aero", "ca-aero-mutual", "meeting"),
        mark("de-aero", "fr-aero-oneside", "interested"),
        mark("de-aero", "fr-aero-oneside", "not_relevant", "wrong_size"),  # changed their mind
        mark("de-photonics", "kr-photonics", "not_relevant", "wrong_field"),
        mark("de-photonics", "jp-photonics-1", "contacted"),
    ]
    labels = feedback_labels(history)
    assert labels.positive == {"de-aero": {"ca-aero-mutual"}, "de-photonics": {"jp-photonics-1"}}
    assert labels.dismissed == {"de-aero": {"fr-aero-oneside"}, "de-photonics": {"kr-photonics"}}
    kept, dropped = labels.restricted(["de-aero"], ["ca-aero-mutual", "fr-aero-oneside"])
    assert kept.positive == {"de-aero": {"ca-aero-mutual"}} and dropped == 2


# A seeded history: six suggested pairs, each with a known furthest stage.
SUGGESTED = [("de-aero", "ca-aero-mutual"), ("de-aero", "fr-aero-oneside"),
             ("de-aero", "jp-photonics-1"), ("de-photonics", "jp-photonics-1"),
             ("de-photonics", "kr-photonics"), ("de-photonics", "us-photonics")]
HISTORY = [
    *(mark("de-aero", "ca-aero-mutual", s) for s in ("interested", "contacted", "meeting",
                                                      "agreement")),        # -> agreement
    mark("de-aero", "fr-aero-oneside", "interested"),
    mark("de-aero", "fr-aero-oneside", "not_relevant", "already_working_together"),  # -> interested
    *(mark("de-photonics", "jp-photonics-1", s) for s in ("interested", "contacted",
                                                           "meeting")),     # -> meeting
    mark("de-photonics", "kr-photonics", "not_relevant", "wrong_field"),   # -> suggested
    mark("de-aero-home", "za-med", "interested"),                           # never suggested
]


def stages(*counts: int) -> dict[str, int]:
    return dict(zip(("suggested", "interested", "contacted", "meeting", "agreement"), counts,
                    strict=True))


def test_funnel_counts_each_pair_once_at_its_furthest_stage(catalogue: Catalogue) -> None:
    result = catalogue_funnel(catalogue, SUGGESTED, HISTORY)
    assert result.overall == stages(6, 3, 2, 2, 1)
    assert result.dismissed == 2 and result.outside_suggestions == 1
    assert result.by_field == {"Aerospace Vehicles and Defense": stages(3, 2, 1, 1, 1),
                               "Photonics": stages(3, 1, 1, 1, 0)}
    assert result.by_region == {"Eastern Asia": stages(3, 1, 1, 1, 0),
                                "Northern America": stages(2, 1, 1, 1, 1),
                                "Western Europe": stages(1, 1, 0, 0, 0)}
    c = result.comparison
    assert (c.meetings, c.agreements, c.rate, c.verdict) == (2, 1, 0.5, "too_few")
    text = format_funnel(result)
    assert "suggested 6 -> interested 3 -> contacted 2 -> meeting 2 -> agreement 1" in text
    assert "too few meetings to compare with the 10.5% anchor" in text


def test_a_cluster_counts_in_each_of_its_fields() -> None:
    result = funnel([("g", "x")], [mark("g", "x", "contacted")], {"g": ("A", "B")}, {"x": "R"})
    assert result.by_field == {"A": stages(1, 1, 1, 0, 0), "B": stages(1, 1, 1, 0, 0)}
    assert result.overall == stages(1, 1, 1, 0, 0)


def test_anchor_comparison_says_when_it_cannot_compare() -> None:
    assert ANCHOR.rate == pytest.approx(39 / 370) and round(100 * ANCHOR.rate, 1) == 10.5
    assert compare(0, 0).verdict == "no_meetings"
    assert compare(29, 3).verdict == "too_few"
    assert compare(370, 39).verdict == "consistent"
    assert compare(100, 30).verdict == "above"
    assert compare(200, 2).verdict == "below"
    lo, hi = wilson_interval(39, 370)
    assert lo < 39 / 370 < hi and wilson_interval(0, 0) == (0.0, 0.0)
    assert "consistent with the 10.5% anchor" in compare(370, 39).sentence()


def test_funnel_from_a_seeded_database(tmp_path: Path, catalogue: Catalogue) -> None:
    """The store's pairs and history give the same funnel as the lists they were seeded from."""
    store = SQLiteStore(tmp_path / "db.sqlite3")
    store.seed(catalogue)
    by_cluster: dict[str, list[Entry]] = {}
    for cluster, candidate in SUGGESTED:
        by_cluster.setdefault(cluster, []).append(Entry(candidate, len(by_cluster.get(cluster, []))
                                                        + 1, 0.9))
    store.save_snapshots("v1", by_cluster, [], "2025-01-01T00:00:00.000000Z", "none")
    for n, entry in enumerate(HISTORY):
        store.record_feedback(Feedback(entry.cluster, entry.candidate, entry.status, entry.reason,
                                       at=f"2025-01-02T00:00:{n:02d}.000000Z"))
    result = catalogue_funnel(catalogue, store.suggested_pairs(), store.feedback_history())
    assert result.to_dict() == catalogue_funnel(catalogue, SUGGESTED, HISTORY).to_dict()
    store.close()
