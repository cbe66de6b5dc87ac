"""The records set aside in ``data/pending/`` (see data/SOURCES.md): each says why it waits,
none is also in the catalogue, and every relationship kept there waits for a set-aside profile
or says itself why it is set aside."""

from __future__ import annotations

import csv
import json

from matcher import load_catalogue
from matcher.config import PROJECT_DATA

PENDING = PROJECT_DATA / "pending"


def test_set_aside_records_say_why_and_are_not_in_the_catalogue() -> None:
    catalogue = load_catalogue(PROJECT_DATA)
    records = [json.loads(line) for line in (PENDING / "profiles.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert records
    for record in records:
        assert str(record.get("set_aside", "")).strip(), record["id"]
        assert record["id"] not in catalogue.by_id, record["id"]


def test_relationships_kept_aside_wait_for_a_set_aside_profile() -> None:
    catalogue = load_catalogue(PROJECT_DATA)
    aside = {json.loads(line)["id"] for line in (PENDING / "profiles.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()}
    for name, ends in (("partnerships.csv", ("a", "b")), ("network_members.csv", ("profile",))):
        with open(PENDING / name, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                ids = [row[end] for end in ends]
                waits = any(i in aside for i in ids) or row.get("note", "").startswith("set aside:")
                assert waits, (name, ids)
                assert all(i in aside or i in catalogue.by_id for i in ids), (name, ids)
