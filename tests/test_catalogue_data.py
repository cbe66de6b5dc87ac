"""Checks on the shipped catalogue in data/: schema, references, sources and the counts promised."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from matcher import Catalogue, Reference, load_catalogue
from matcher.catalogue import default_data_dir, organisation_key
from matcher.catalogue.curation import check_catalogue

LEADING_EDGE = [
    "bioeconomy-cluster", "biorn", "ci3", "cool-silicon", "effizienzcluster-logistikruhr",
    "em-sued-west", "forum-organic-electronics", "hamburg-aviation", "its-owl",
    "m4-personalised-medicine", "mai-carbon", "medical-valley-emn", "microtec-suedwest",
    "software-cluster", "solarvalley-mitteldeutschland",
]


@pytest.fixture(scope="module")
def data(reference: Reference) -> Catalogue:
    # Loading validates every record: ids, ISO countries, NUTS 2024 codes, taxonomy fields,
    # source URLs, non-empty descriptions, partnership endpoints, duplicate organisations.
    return load_catalogue(default_data_dir(), reference)


def test_counts_are_met(data: Catalogue) -> None:
    stats = data.stats()
    assert stats["german_profiles"] >= 50
    assert stats["international_profiles"] >= 300
    assert stats["countries"] >= 40
    assert stats["continents"] == 6  # every inhabited continent
    assert stats["partnerships"] >= 100
    assert stats["networks"] >= 30 and stats["network_memberships"] >= 150


def test_catalogue_check_is_clean(reference: Reference) -> None:
    """No stub, stand-in, stale record, template text or text naming a related organisation."""
    report = check_catalogue(default_data_dir(), reference)
    assert [str(f) for f in report.errors] == []


def test_bilateral_partnerships_with_a_year(data: Catalogue) -> None:
    dated = [x for x in data.relationships.labels() if x.since is not None]
    assert len(dated) >= 100


def test_all_leading_edge_clusters_are_there(data: Catalogue) -> None:
    for pid in LEADING_EDGE:
        assert data.get(pid).country == "DE"


def test_every_german_profile_has_a_nuts_code(data: Catalogue) -> None:
    assert [p.id for p in data.german() if not p.nuts] == []


def test_eu_nuts_codes_match_country(data: Catalogue, reference: Reference) -> None:
    geo = reference.geography
    for p in data.profiles:
        if p.nuts:
            assert geo.nuts_country(p.nuts) == p.country, p.id


def test_ids_unique_and_names_not_duplicated(data: Catalogue) -> None:
    assert len({p.id for p in data.profiles}) == len(data.profiles)
    keys = Counter(organisation_key(p.name) for p in data.profiles)
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_record_is_sourced_and_described(data: Catalogue) -> None:
    for p in data.profiles:
        assert p.sources and all(s.startswith("http") for s in p.sources), p.id
        assert len(p.description) >= 40, p.id
    for link in data.partnerships:
        assert link.sources and all(s.startswith("http") for s in link.sources)


def test_files_are_sorted_one_record_per_line() -> None:
    root = default_data_dir()
    for path in sorted((root / "profiles").glob("*.jsonl")):
        ids = [json.loads(line)["id"] for line in path.read_text().splitlines()]
        assert ids == sorted(ids), path.name
    for name, key in (("partnerships.csv", ("a", "b")), ("networks.csv", ("id",)),
                      ("network_members.csv", ("network", "profile"))):
        with open(root / name, newline="", encoding="utf-8") as f:
            rows = [tuple(r[k] for k in key) for r in csv.DictReader(f)]
        assert rows == sorted(rows), name


def test_every_german_profile_has_international_candidates_in_its_fields(data: Catalogue) -> None:
    international = data.international()
    for p in data.german():
        same_field = [q for q in international if set(q.fields) & set(p.fields)]
        assert len({q.country for q in same_field}) >= 3, p.id
