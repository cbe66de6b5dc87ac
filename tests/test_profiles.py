"""Validation of catalogue files and ad-hoc profiles."""

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from matcher import CatalogueError, ProfileValidationError, Reference, load_catalogue, parse_query_profile
from matcher.catalogue.profiles import parse_profile
from tests.conftest import CATALOGUE_DIR


def write_catalogue(tmp_path: Path, records: list[dict], partnerships: str = "") -> Path:
    (tmp_path / "profiles").mkdir()
    with open(tmp_path / "profiles" / "a.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    (tmp_path / "partnerships.csv").write_text("a,b,since,kind,source,note\n" + partnerships)
    return tmp_path


def good(**changes: object) -> dict:
    record = json.loads((CATALOGUE_DIR / "profiles" / "example.jsonl").read_text().splitlines()[0])
    record.update(changes)
    return record


def test_every_problem_is_reported_with_file_row_and_field(tmp_path: Path, reference: Reference) -> None:
    records = [
        good(),
        good(id="Bad Id", country="XX", fields=["Photonix"], sources=[]),
        good(id="x2", nuts="DE99", description=""),
        "not json",
    ]
    (tmp_path / "profiles").mkdir()
    with open(tmp_path / "profiles" / "a.jsonl", "w") as f:
        for r in records:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    (tmp_path / "partnerships.csv").write_text(
        "a,b,since,kind,source,note\nca-aero-mutual,nobody,20x,chat,ftp://x,\n"
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path, reference)
    found = {(p.file, p.row, p.field) for p in info.value.problems}
    assert {("a.jsonl", 2, "id"), ("a.jsonl", 2, "country"), ("a.jsonl", 2, "fields[0]"),
            ("a.jsonl", 2, "sources"), ("a.jsonl", 3, "nuts"), ("a.jsonl", 3, "description"),
            ("a.jsonl", 4, "record"), ("partnerships.csv", 2, "since"),
            ("partnerships.csv", 2, "kind"), ("partnerships.csv", 2, "source")} <= found
    fields_problem = next(p for p in info.value.problems if p.field == "fields[0]")
    assert "Photonics" in fields_problem.message  # the closest valid term


def test_unknown_partnership_endpoint_names_closest_id(tmp_path: Path, reference: Reference) -> None:
    write_catalogue(tmp_path, [good()], "ca-aero-mutual,ca-aero-mutul,2020,memorandum,https://x.org,\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path, reference)
    assert any("closest: ca-aero-mutual" in p.message for p in info.value.problems)


def test_same_organisation_under_two_ids_is_a_problem(tmp_path: Path, reference: Reference) -> None:
    write_catalogue(tmp_path, [good(), good(id="other-id", name="TEST AERO  Montreal")])
    with pytest.raises(CatalogueError, match="same organisation"):
        load_catalogue(tmp_path, reference)


def test_fixture_catalogue_loads(reference: Reference, tmp_path: Path) -> None:
    shutil.copytree(CATALOGUE_DIR, tmp_path / "c")
    assert len(load_catalogue(tmp_path / "c", reference)) == 13


def test_ad_hoc_profile_needs_only_name_country_description(reference: Reference) -> None:
    profile, mappings = parse_query_profile(
        {"name": "My Cluster", "country": "DE", "description": "We build lasers."}, reference
    )
    assert profile.id == "my-cluster"
    assert mappings == []


def test_ad_hoc_free_text_fields_are_mapped_and_shown(reference: Reference) -> None:
    profile, mappings = parse_query_profile(
        {"name": "X", "country": "DE", "description": "d",
         "fields": ["Electronics", "Health", "Optics and Photonics", "photonics", "Basket weaving"]},
        reference,
    )
    by_given = {m["given"]: m for m in mappings}
    assert by_given["Electronics"]["terms"] == ["Micro- and Nanoelectronics"]
    assert "Medical Devices" in by_given["Health"]["terms"]
    assert by_given["Optics and Photonics"]["terms"] == ["Photonics"]
    assert by_given["photonics"]["method"] == "exact"
    assert by_given["Basket weaving"]["method"] == "none"
    assert profile.fields.count("Photonics") == 1


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"country": "DE", "description": "d"}, "name"),
        ({"name": "X", "description": "d"}, "country"),
        ({"name": "X", "country": "DE"}, "description"),
        ({"name": "X", "country": "Germany", "description": "d"}, "country"),
        ({"name": "X", "country": "DE", "description": "d", "roles": ["dancing"]}, "roles"),
        ({"name": "X", "country": "DE", "description": "d", "size": {"members": -3}}, "size.members"),
        ({"name": "X", "country": "DE", "description": "d", "colour": "red"}, "colour"),
        ({"name": "X", "country": "DE", "description": "x" * 5000}, "description"),
        ([1, 2], "record"),
    ],
)
def test_invalid_ad_hoc_profile_names_the_field(reference: Reference, record: object, field: str) -> None:
    with pytest.raises(ProfileValidationError) as info:
        parse_query_profile(record, reference)
    assert info.value.field == field


def test_german_field_names_are_mapped(reference: Reference) -> None:
    _, mappings = parse_query_profile(
        {"name": "X", "country": "DE", "description": "d",
         "fields": ["Medizintechnik", "Luft- und Raumfahrt", "Photonik"]}, reference)
    assert [m["terms"][0] for m in mappings] == ["Medical Devices", "Aerospace Vehicles and Defense",
                                                 "Photonics"]


def adversarial_id(length: int = 60_000) -> str:
    """The probe's id: every slug character shuffled, just under difflib's "popular" threshold,
    then padding that difflib treats as junk."""
    import random
    import string

    chars = list((string.ascii_lowercase + string.digits + "-") * (length // 100))
    random.Random(1).shuffle(chars)
    return "".join(chars) + "Z" * (length - len(chars))


def test_closest_ids_is_bounded_for_any_input(reference: Reference) -> None:
    import time

    from matcher import Catalogue, Profile
    from matcher.catalogue.relationships import Relationships

    profiles = [Profile(id=f"xx-cluster-{i:05d}-{'abcdefgh'[i % 8] * (1 + i % 20)}", name=f"C {i}",
                        country="FR", description="d") for i in range(2000)]
    catalogue = Catalogue(profiles, Relationships(), reference)
    for text in (adversarial_id(), adversarial_id(120), "x" * 5000):
        start = time.process_time()
        catalogue.closest_ids(text)
        assert time.process_time() - start < 0.5, len(text)
    # Still a useful hint for a typo.
    typo = profiles[13].id.replace("cluster", "clustr")
    assert catalogue.closest_ids(typo)[0] == profiles[13].id


@pytest.mark.parametrize("given", [" formula-1", "formula-1 ", "formula-1\n", "\tformula-1"])
def test_an_id_that_is_not_canonical_is_refused(reference: Reference, given: str) -> None:
    with pytest.raises(ProfileValidationError) as info:
        parse_query_profile({"id": given, "name": "F", "country": "FR", "description": "d"}, reference)
    assert info.value.field == "id"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"name": "Ctrl\u000bCluster\u0001"}, "name"),
        ({"name": "Two\nlines"}, "name"),
        ({"description": "nul \u0000 in text"}, "description"),
        ({"description": "lone \ud800 surrogate"}, "description"),
        ({"region": "del \u007f"}, "region"),
        ({"city": "next line \u0085"}, "city"),
        ({"fields": ["bio\ud800"]}, "fields[0]"),
        ({"fields": ["Photonics", "x\u001f"]}, "fields[1]"),
        ({"offers": ["ok", "bio\ud800"]}, "offers[1]"),
        ({"seeks": ["tab\there"]}, "seeks[0]"),
        ({"website": "https://example.org/\u0001"}, "website"),
        ({"sources": ["https://example.org/\ud800"]}, "sources[0]"),
        ({"name": "not a character \uffff"}, "name"),
    ],
)
def test_text_with_control_characters_is_refused(reference: Reference, record: dict, field: str) -> None:
    base = {"name": "Clean", "country": "FR", "description": "d"}
    with pytest.raises(ProfileValidationError) as info:
        parse_query_profile({**base, **record}, reference)
    assert info.value.field == field
    str(info.value).encode("utf-8")  # the message never carries the character itself


def test_a_description_may_hold_line_breaks_and_tabs(reference: Reference) -> None:
    profile, _ = parse_query_profile({"name": "X", "country": "FR",
                                      "description": "First line.\r\nSecond\tline."}, reference)
    assert profile.description == "First line.\r\nSecond\tline."


@pytest.mark.parametrize(("website", "contact", "elsewhere"), [
    ("https://www.flandersmake.be", "https://coock.flandersmake.be/en/privacy", None),
    ("https://flux50.com", "https://www.flux50.com/privacy-statement", None),
    ("https://www.sipa.gov.tw", "https://w3.sipa.gov.tw/DMS/web/index.jsp", None),
    ("https://www.one.example", "https://clustercollaboration.eu/cluster-organisations/one",
     "clustercollaboration.eu"),
    (None, "https://www.Platform.example:8443/one", "platform.example"),
    ("https://notflux50.com", "https://flux50.com/contact", "flux50.com"),
    ("https://flux50.com", None, None),
])
def test_a_contact_route_off_the_own_site_names_where_it_leads(
        reference: Reference, website: str | None, contact: str | None,
        elsewhere: str | None) -> None:
    record = {"name": "One", "country": "BE", "description": "A cluster.", "website": website,
              "contact": contact}
    profile, problems, _ = parse_profile(record, reference.geography, reference.taxonomy,
                                         strict=False)
    assert profile is not None, problems
    assert profile.contact_elsewhere == elsewhere


def test_a_profile_is_judged_by_the_newest_source_that_shows_it_at_work(
        reference: Reference) -> None:
    record = {"name": "One", "country": "BE", "description": "A cluster.", "confirmed": 2021}
    profile, problems, _ = parse_profile(record, reference.geography, reference.taxonomy,
                                         strict=False)
    assert profile is not None, problems
    assert not profile.unconfirmed(2026) and profile.unconfirmed(2027)
    assert not replace(profile, confirmed=None).unconfirmed(2100)  # no dated source: not judged
    for bad in ({"confirmed": "2021"}, {"confirmed": dt.date.today().year + 1},
                {"confirmed": 2022, "ended": 2021}):
        _, problems, _ = parse_profile({**record, **bad}, reference.geography,
                                       reference.taxonomy, strict=False)
        assert [f for f, _ in problems] == ["confirmed"], problems
