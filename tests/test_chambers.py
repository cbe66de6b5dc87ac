"""The German chambers abroad (data/chambers.csv): the shipped table, and what a bad one says."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from matcher import Reference, load_catalogue
from matcher.catalogue import default_data_dir
from matcher.catalogue.chambers import CHAMBERS_FILE, COLUMNS, Chambers
from matcher.errors import CatalogueError

HEADER = ",".join(COLUMNS)


def test_the_shipped_table_names_a_chamber_for_most_countries_of_the_partners(
        reference: Reference) -> None:
    chambers = reference.chambers
    catalogue = load_catalogue(default_data_dir(), reference)
    abroad = Counter(p.country for p in catalogue.profiles
                     if p.country != "DE" and p.ended is None)
    covered = sum(n for country, n in abroad.items() if chambers.covering(country))
    assert covered / sum(abroad.values()) >= 0.8  # the profiles abroad whose country has one
    assert chambers.covering("DE") is None  # a chamber abroad, never at home
    for chamber in chambers.by_country.values():
        assert chamber.name.startswith("AHK ") and chamber.source.startswith("http")


def test_a_country_served_from_a_neighbouring_office_says_so() -> None:
    chambers = Reference.load().chambers
    lu, be = chambers.covering("LU"), chambers.covering("BE")
    assert lu is not None and be is not None
    assert lu.website == be.website and lu.note


def write(tmp_path: Path, *rows: str) -> Path:
    (tmp_path / CHAMBERS_FILE).write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return tmp_path


def test_no_table_means_no_chambers(tmp_path: Path, reference: Reference) -> None:
    assert len(Chambers.load(tmp_path, reference.geography)) == 0


def test_every_problem_of_a_bad_table_is_named_with_its_line(
        tmp_path: Path, reference: Reference) -> None:
    directory = write(
        tmp_path,
        "JP,AHK Japan,https://japan.example/,https://japan.example/news,",
        "XX,AHK Nowhere,https://nowhere.example/,https://nowhere.example/,",
        "JP,AHK Japan again,https://japan.example/,https://japan.example/,",
        "FR,,www.france.example,https://france.example/,",
        "IT,AHK Italien,https://italy.example/,,",
    )
    with pytest.raises(CatalogueError) as caught:
        Chambers.load(directory, reference.geography)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "chambers.csv:3: country: unknown ISO country code 'XX'",
        "chambers.csv:4: country: JP is covered twice",
        "chambers.csv:5: name: missing",
        "chambers.csv:5: website: not a web address: 'www.france.example'",
        "chambers.csv:6: source: not a web address: ''",
    ]


def test_a_table_with_other_columns_is_refused(tmp_path: Path, reference: Reference) -> None:
    (tmp_path / CHAMBERS_FILE).write_text("country,website\nJP,https://japan.example/\n")
    with pytest.raises(CatalogueError, match=r"chambers\.csv:1: header: missing column"):
        Chambers.load(tmp_path, reference.geography)


def test_a_chamber_is_named_only_where_no_contact_route_is_known_and_the_profile_is_active(
        reference: Reference) -> None:
    catalogue = load_catalogue(default_data_dir(), reference)
    chambers = reference.chambers
    japanese = next(p for p in catalogue.profiles if p.country == "JP" and not p.contact
                    and p.ended is None)
    assert chambers.introduction_for(japanese) == chambers.covering("JP")
    assert chambers.introduction_for(replace(japanese, contact="https://jp.example/contact")) is None
    assert chambers.introduction_for(replace(japanese, ended=2020)) is None
    german = next(p for p in catalogue.profiles if p.country == "DE")
    assert chambers.introduction_for(replace(german, contact=None)) is None
