"""Finding profiles by name, place (German and English names), field and description words."""

from __future__ import annotations

import pytest

from matcher import Catalogue, Filters, load_catalogue
from matcher.catalogue.search import fold
from matcher.engine.filters import select_profiles


@pytest.fixture(scope="module")
def data() -> Catalogue:
    return load_catalogue()


def ids(catalogue: Catalogue, query: str) -> list[str]:
    return [p.id for p in select_profiles(catalogue, Filters(), query=query)]


def test_fold_drops_case_and_accents() -> None:
    assert fold("München") == "munchen" and fold("QUÉBEC") == "quebec"


def test_places_are_found_by_their_german_and_english_names(data: Catalogue) -> None:
    assert "biom" in ids(data, "München")  # the NUTS district name, in German
    assert "biom" in ids(data, "Munchen")  # without the umlaut
    assert "biom" in ids(data, "Munich biotech")  # English city word and a field prefix
    assert "criaq" in ids(data, "Québec") and "criaq" in ids(data, "quebec")
    assert {"hamburg-aviation", "eehh"} <= set(ids(data, "Hamburg"))


def test_fields_are_found_in_three_languages_and_names_come_first(data: Catalogue) -> None:
    aerospace = {p.id for p in data.profiles if "Aerospace Vehicles and Defense" in p.fields}
    assert aerospace <= set(ids(data, "Luftfahrt"))
    assert "hzwo" in ids(data, "Wasserstoff")
    found = ids(data, "aviation")
    named = [pid for pid in found if "aviation" in data.by_id[pid].name.casefold()]
    assert found[: len(named)] == named  # name matches before text matches
    assert ids(data, "zzzz") == []
    assert len(ids(data, "  ")) == len(data.profiles)  # an empty query finds everything
