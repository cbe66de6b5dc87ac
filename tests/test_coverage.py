"""Coverage counts on the hand-made catalogue, where the answers are known."""

import numpy as np
import pytest

from matcher import InvalidInputError, Matcher
from matcher.analysis.coverage import compute_coverage, coverage_counts, gap_scores


def test_coverage_counts_count_each_pair_in_each_field_of_the_german_cluster() -> None:
    german_fields = np.array([[1, 1, 0], [0, 1, 0]], dtype=np.float32)  # G=2, T=3
    partners = [(0, 0), (1, 1)]
    strong = [(0, 1), (1, 1), (1, 2)]
    region_of = [0, 1, 1]
    cov = coverage_counts(german_fields, partners, region_of, 2)
    opp = coverage_counts(german_fields, strong, region_of, 2)
    assert cov.tolist() == [[1, 0], [1, 1], [0, 0]]
    assert opp.tolist() == [[0, 1], [0, 3], [0, 0]]


def test_gap_is_standardised_residual_of_coverage_against_opportunity() -> None:
    cov = np.array([[2, 0], [0, 0]])
    opp = np.array([[2, 2], [0, 0]])
    gaps = gap_scores(cov, opp)
    # E = opp * 2 / 4 = [[1, 1], [0, 0]]
    assert gaps[0, 0] == pytest.approx((1 - 2) / 1)
    assert gaps[0, 1] == pytest.approx(1.0)
    assert gaps[1, 0] == 0.0


def test_coverage_of_the_fixture_catalogue(hashing_matcher: Matcher) -> None:
    cov = compute_coverage(hashing_matcher, threshold=0.0)
    aero = "Aerospace Vehicles and Defense"
    assert cov.cell(aero, "Western Europe").partnerships == 1
    assert cov.cell("Photonics", "Northern America").partnerships == 1
    assert cov.cell("Photonics", "Eastern Asia").partnerships == 0
    assert cov.cell(aero, "Western Europe").german_clusters == 2
    # With threshold 0 every international candidate is a strong match.
    assert cov.cell("Photonics", "Eastern Asia").strong_matches == 5
    assert cov.cell(aero, "Eastern Asia").strong_matches == 10
    assert cov.cell(aero, "Northern America").strong_matches == 4
    assert [u["id"] for u in cov.unpartnered] == ["de-aero-home"]
    assert len(cov.unpartnered[0]["best_options"]) == 3
    assert {(s["field"], s["region"]) for s in cov.single_region_fields} == {
        (aero, "Western Europe"), ("Photonics", "Northern America")}
    untapped = {u["id"] for u in cov.untapped}
    assert "fr-aero-oneside" not in untapped and "us-photonics" not in untapped
    assert "ca-aero-mutual" in untapped
    details = cov.cell_details("Photonics", "Northern America")
    assert details["partnerships"] == [{"german": "de-photonics", "partner": "us-photonics"}]
    assert details["german_clusters"] == ["de-photonics"]
    assert {m["partner"] for m in details["strong_matches"]} == {"ca-aero-mutual", "us-photonics"}
    top = cov.top_gaps(3)
    assert all(c.partnerships == 0 for c in top)


def test_coverage_folds_to_continents(hashing_matcher: Matcher) -> None:
    cov = compute_coverage(hashing_matcher, level="continent", threshold=0.0)
    assert set(cov.regions) == {"Africa", "Asia", "Europe", "North America"}
    assert cov.cell("Photonics", "North America").partnerships == 1
    assert cov.cell("Photonics", "Asia").strong_matches == 6


def test_unknown_level_is_rejected(hashing_matcher: Matcher) -> None:
    with pytest.raises(InvalidInputError):
        compute_coverage(hashing_matcher, level="planet")
