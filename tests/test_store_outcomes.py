"""The store's feedback, tokens and follow state, and the upgrade from schema 2.

Written against the store's methods only, so that they can join a contract suite run against
every back-end.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from matcher import Catalogue, Reference, load_catalogue
from matcher.outcomes.alerts import Alert, Entry
from matcher.outcomes.feedback import Feedback
from matcher.outcomes.tokens import authenticate, issue, parse
from matcher.store import SCHEMA_VERSION, ProfileStore, SQLiteStore, open_store


@pytest.fixture
def store(database: str, catalogue: Catalogue) -> Iterator[ProfileStore]:
    """A seeded store of each back-end (SQLite and PostgreSQL)."""
    s = open_store(database)
    s.seed(catalogue)
    yield s
    s.close()


def at(second: int) -> str:
    return f"2025-03-01T10:00:{second:02d}.000000Z"


def test_feedback_keeps_history_and_a_repeat_records_nothing(store: ProfileStore) -> None:
    first = Feedback("de-aero", "ca-aero-mutual", "interested", actor="admin", at=at(1))
    assert store.record_feedback(first) == (first, True)
    repeat = Feedback("de-aero", "ca-aero-mutual", "interested", actor="tok1", at=at(2))
    assert store.record_feedback(repeat) == (first, False)  # idempotent: the earlier mark stays
    later = Feedback("de-aero", "ca-aero-mutual", "meeting", actor="tok1", at=at(3))
    assert store.record_feedback(later) == (later, True)
    back = Feedback("de-aero", "ca-aero-mutual", "interested", actor="tok1", at=at(4))
    assert store.record_feedback(back)[1]  # the same as an older mark, not the current: kept
    store.record_feedback(Feedback("de-aero", "fr-aero-oneside", "not_relevant", "wrong_size",
                                   at=at(5)))
    history = store.feedback_history("de-aero")
    assert [(e.candidate, e.status) for e in history] == [
        ("ca-aero-mutual", "interested"), ("ca-aero-mutual", "meeting"),
        ("ca-aero-mutual", "interested"), ("fr-aero-oneside", "not_relevant")]
    current = store.feedback_current("de-aero")
    assert current[("de-aero", "ca-aero-mutual")] == back
    assert store.dismissed() == {"de-aero": {"fr-aero-oneside"}}
    assert store.feedback_history("de-photonics") == []


def test_tokens_are_stored_as_digests_and_revocable(store: ProfileStore) -> None:
    token, record = issue("de-aero", at(0))
    store.add_token(record)
    token_id, secret = parse(token) or ("", "")
    assert token_id == record.id
    stored = repr(store._read("SELECT * FROM tokens"))  # every column of every token row
    assert secret not in stored and token not in stored
    assert authenticate(store, token) == record
    assert authenticate(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert authenticate(store, "cbt_000000000000." + secret) is None
    assert authenticate(store, "not a token") is None
    assert store.token(record.id) == record and store.token("cbt_000000000000") is None
    assert store.revoke_token(record.id, at(1)) and not store.revoke_token(record.id, at(2))
    revoked = store.token(record.id)
    assert revoked is not None and revoked.revoked_at == at(1)
    assert authenticate(store, token) is None
    assert [r.public() for r in store.tokens()] == [{"id": record.id, "cluster": "de-aero",
                                                     "created_at": at(0), "revoked_at": at(1)}]


def test_snapshots_suggested_pairs_and_alerts(store: ProfileStore) -> None:
    assert store.snapshot_version() is None and store.snapshots() == {}
    first = {"de-aero": [Entry("ca-aero-mutual", 1, 0.9), Entry("fr-aero-oneside", 2, 0.8)]}
    store.save_snapshots("v1", first, [], at(0), "none")
    alert = Alert("a1", "de-aero", "us-photonics", "new", 2, None, 0.88, "v2", at(5))
    second = {"de-aero": [Entry("ca-aero-mutual", 1, 0.9), Entry("us-photonics", 2, 0.88)]}
    assert store.save_snapshots("v2", second, [alert], at(5), "pending") == [alert]
    assert store.save_snapshots("v2", second, [alert], at(6), "pending") == []  # same id: once
    assert store.snapshot_version() == "v2" and store.snapshots() == second
    assert store.suggested_pairs() == [("de-aero", "ca-aero-mutual"), ("de-aero", "fr-aero-oneside"),
                                       ("de-aero", "us-photonics")]
    assert store.alerts("de-aero") == [alert]
    assert store.alerts("de-aero", since=at(5)) == [] and store.alerts("de-aero", since=at(4)) == [alert]
    assert store.delivery("a1") == "pending"
    store.mark_delivery(["a1"], "delivered")
    assert store.delivery("a1") == "delivered"


V2_SCHEMA = """
CREATE TABLE profiles (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE partnerships (a TEXT NOT NULL, b TEXT NOT NULL, since INTEGER, kind TEXT NOT NULL,
    source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', PRIMARY KEY (a, b));
CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, since INTEGER,
    until INTEGER, source TEXT NOT NULL);
CREATE TABLE network_members (network TEXT NOT NULL, profile TEXT NOT NULL, since INTEGER,
    source TEXT NOT NULL, PRIMARY KEY (network, profile));
"""


def test_a_schema_2_database_is_upgraded_and_keeps_every_row(tmp_path: Path, catalogue: Catalogue,
                                                              reference: Reference) -> None:
    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(V2_SCHEMA)
    db.executemany("INSERT INTO profiles VALUES (?, ?, ?)",
                   [(p.id, json.dumps(p.to_dict()), 3) for p in catalogue.profiles])
    ties, networks, members = catalogue.relationships.rows()
    db.executemany("INSERT INTO partnerships VALUES (:a, :b, :since, :kind, :source, :note)", ties)
    db.executemany("INSERT INTO networks VALUES (:id, :name, :kind, :since, :until, :source)",
                   networks)
    db.executemany("INSERT INTO network_members VALUES (:network, :profile, :since, :source)",
                   members)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    store = SQLiteStore(path)
    # Schema 2 relationships are kept, and copied from data/ once more for what migration 5
    # added (the year a tie was last confirmed), as the service does at start.
    assert store.needs_relationships
    store.replace_relationships(catalogue.relationships)
    assert not store.needs_relationships
    upgraded = store.catalogue(reference)
    assert [p.id for p in upgraded.profiles] == [p.id for p in catalogue.profiles]
    assert upgraded.relationships == catalogue.relationships
    assert store.version("de-aero") == 3
    store.record_feedback(Feedback("de-aero", "ca-aero-mutual", "interested", at=at(0)))
    store.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    check.close()
    reopened = SQLiteStore(path)  # a second open changes nothing
    assert len(reopened.feedback_history()) == 1 and reopened.version("de-aero") == 3
    # Migration 2 is recorded as found (from user_version), 3 to 5 as applied at the open.
    assert [(v, when == "before the migrations table") for v, _, when in reopened.migrations()] \
        == [(2, True), (3, False), (4, False), (5, False)]
    assert reopened.data_version() == 3  # 1 from the migration, the relationships, one feedback mark
    reopened.close()


def test_a_second_process_opening_a_database_just_created_keeps_its_relationships(
        tmp_path: Path, catalogue: Catalogue) -> None:
    """Two workers start on a new file: the first has run its migrations but not yet set
    ``user_version`` when the second opens it. The second once took it for schema 1 and dropped
    the partnerships table under the first one's seed ("no such table: partnerships")."""
    path = tmp_path / "new.sqlite3"
    first = SQLiteStore(path)
    between = sqlite3.connect(path)  # the moment between the first's migrations and its pragma
    between.execute("PRAGMA user_version = 0")
    between.close()
    second = SQLiteStore(path)
    assert not second.needs_relationships
    assert first.seed(catalogue)
    assert second.catalogue(catalogue.reference).relationships == catalogue.relationships
    first.close()
    second.close()


def test_export_writes_the_database_back_in_the_catalogue_format(store: ProfileStore,
                                                                  catalogue: Catalogue,
                                                                  tmp_path: Path) -> None:
    profile, version = store.get("de-aero", catalogue.reference) or (None, 0)
    assert profile is not None
    store.upsert(replace(profile, description=profile.description + " Written in the store."), version)
    store.export(catalogue.reference, tmp_path / "exported")
    exported = load_catalogue(tmp_path / "exported", catalogue.reference)
    assert sorted(p.id for p in exported.profiles) == sorted(p.id for p in catalogue.profiles)
    assert exported.get("de-aero").description.endswith("Written in the store.")
    assert exported.relationships.labels() == catalogue.relationships.labels()
