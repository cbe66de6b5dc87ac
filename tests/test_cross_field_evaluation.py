"""The figures of the "beyond your field" list, on hand-made inputs and the test catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher import Matcher, load_bundle
from matcher.evaluation.cross_field import (
    cross_field_partnerships,
    format_measures,
    measure,
    share_sharing_field,
)
from tests.test_value_chain import with_partnerships


def test_share_sharing_field() -> None:
    assert share_sharing_field(["A", "B"], [["A"], ["C"], ["B", "C"], ["D"]]) == 0.5
    assert share_sharing_field(["A"], []) == 0.0


def test_cross_field_partnerships_are_both_sides_of_ties_without_a_shared_field(
        hashing_matcher: Matcher) -> None:
    # fixture ties share a field; de-photonics - za-med do not and are in two countries;
    # de-aero - de-photonics share no field but are both German; affiliations do not count
    m = with_partnerships(hashing_matcher, [("de-photonics", "za-med"),
                                            ("de-aero", "de-photonics")])
    assert cross_field_partnerships(hashing_matcher.catalogue) == {}
    assert cross_field_partnerships(m.catalogue) == {"de-photonics": {"za-med"},
                                                     "za-med": {"de-photonics"}}


def test_measure_on_the_test_catalogue(hashing_matcher: Matcher) -> None:
    m = with_partnerships(hashing_matcher, [("de-photonics", "za-med")])
    figures = measure(m, top=3)
    assert (figures.n_queries, figures.n_partnership_queries, figures.n_partnerships) == (3, 2, 2)
    main, cross = figures.lists["main"], figures.lists["cross_field"]
    assert cross.field_overlap == 0.0 < main.field_overlap
    assert main.fit_minus_main == 0.0
    assert cross.fit_minus_main == pytest.approx(cross.fit - main.fit, abs=1e-3)
    assert 0 <= cross.partnerships_found <= 2
    for f in figures.lists.values():
        # 3 queries, top 3: the most suggested is in at most every list, the slots are 9 or fewer
        assert f.most_suggested in m.catalogue.by_id and 1 / 3 <= f.max_share <= 1.0
        assert 0 < f.top_share <= 1.0
    table = format_measures(figures)
    assert "| cross_field | 0.000" in table and "of 2 |" in table
    assert f"| {cross.most_suggested} ({cross.max_share:.0%}) |" in table


def test_exposure_of_counts_slots_hubs_and_the_share_of_lists() -> None:
    from matcher.evaluation.metrics import exposure_of

    e = exposure_of([["a", "b"], ["a", "c"], ["a", "x"]], ["a", "b", "c", "d"], hubs=2)
    assert e["slots"] == 6 and e["max_share"] == 1.0  # "a" is in all three lists; "x" takes a slot
    assert e["share_of_top_2"] == round(4 / 6, 4) and e["never_suggested"] == 1
    assert e["most_suggested"] == [{"id": "a", "count": 3}, {"id": "b", "count": 1}]
    assert exposure_of([], ["a"])["max_share"] == 0.0


@pytest.mark.slow
def test_on_the_shipped_catalogue_no_profile_tops_the_second_list_everywhere(
        real_models: Path) -> None:
    # Measured with the default (fused) embedder: see README, "Beyond your field, measured".
    # Without the typical fit held against candidates one profile was in 26% of the lists.
    figures = measure(Matcher(load_bundle(real_models / "current")))
    cross, main = figures.lists["cross_field"], figures.lists["main"]
    assert cross.field_overlap == 0.0 and cross.mean_length == 10.0
    assert cross.max_share <= 0.15 and cross.top_share <= main.top_share + 0.02
    assert cross.fit_minus_main > -0.05


def test_cli_evaluate_cross_field(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli import run

    code, out, _ = run(capsys, tmp_path, "evaluate", "--cross-field")
    assert code == 0
    assert "shares a field with the query" in out and "| cross_field_not_strict |" in out
