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
        "GB,AHK Großbritannien,https://uk.example/,https://uk.example/,,German-British Chamber,",
        "IE,AHK Irland,https://ie.example/,https://ie.example/,,,https://ie.example/en",
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
        "chambers.csv:7: name_en_source: not a web address: ''",
        "chambers.csv:8: name_en: missing where name_en_source is given",
    ]


def test_german_readers_get_the_short_german_name_and_others_the_chambers_english_one(
        tmp_path: Path, reference: Reference) -> None:
    (tmp_path / CHAMBERS_FILE).write_text(
        "country,name,website,source,note\n"  # a table from before the English names
        "JP,AHK Japan,https://japan.example/,https://japan.example/news,\n", encoding="utf-8")
    japan = Chambers.load(tmp_path, reference.geography).covering("JP")
    assert japan is not None and [japan.name_in(lang) for lang in ("de", "en")] == ["AHK Japan"] * 2
    write(tmp_path, "IN,AHK Indien,https://in.example/,https://in.example/news,,"
                    "Indo-German Chamber of Commerce,https://in.example/en/about")
    india = Chambers.load(tmp_path, reference.geography).covering("IN")
    assert india is not None
    assert [india.name_in(lang) for lang in ("de", "en", "fr")] == [
        "AHK Indien", "Indo-German Chamber of Commerce", "Indo-German Chamber of Commerce"]


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
