"""The store's contract, run against every back-end (a SQLite file and a real PostgreSQL):
profiles and versions, the data version and catch-up, migrations, several connections (as
several workers or hosts) on one database, concurrent writers, and the write-rate windows."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from matcher import Catalogue, Reference
from matcher.outcomes.feedback import Feedback
from matcher.outcomes.tokens import issue
from matcher.store import MIGRATIONS, SCHEMA_VERSION, VersionConflictError, open_store


def test_seed_reads_back_the_catalogue_once(database: str, catalogue: Catalogue,
                                            reference: Reference) -> None:
    store = open_store(database)
    try:
        assert store.is_empty() and store.seed(catalogue) and not store.seed(catalogue)
        stored = store.catalogue(reference)
        assert stored.profiles == catalogue.profiles
        assert stored.relationships == catalogue.relationships
        assert store.get("de-aero", reference) == (catalogue.get("de-aero"), 1)
        assert store.get("nope", reference) is None and store.version("nope") is None
        assert store.integrity_ok()
    finally:
        store.close()


def test_versions_refuse_lost_updates(database: str, catalogue: Catalogue,
                                      reference: Reference) -> None:
    store = open_store(database)
    try:
        store.seed(catalogue)
        profile = catalogue.get("de-aero")
        assert store.upsert(replace(profile, description="First change."), 1) == 2
        with pytest.raises(VersionConflictError, match="at version 2, not 1"):
            store.upsert(replace(profile, description="Stale."), 1)
        with pytest.raises(VersionConflictError):
            store.upsert(replace(profile, id="brand-new"), 5)
        assert store.upsert(replace(profile, id="brand-new"), 0) == 1
        assert store.get("de-aero", reference)[0].description == "First change."  # type: ignore[index]
    finally:
        store.close()


def test_the_data_version_rises_with_answers_and_names_what_changed(
        database: str, catalogue: Catalogue, reference: Reference) -> None:
    store = open_store(database)
    try:
        start = store.data_version()
        store.seed(catalogue)
        seeded = store.data_version()
        assert seeded == start + 1
        assert store.changed_since(start, reference) == sorted(catalogue.profiles,
                                                               key=lambda p: p.id)
        assert store.changed_since(seeded, reference) == []
        changed = replace(catalogue.get("de-aero"), description="Changed once.")
        store.upsert(changed)
        assert store.data_version() == seeded + 1
        assert store.changed_since(seeded, reference) == [changed]
        store.record_feedback(Feedback("de-aero", "ca-aero-mutual", "interested", at="2025-01-01T"
                                       "00:00:00.000000Z"))
        assert store.data_version() == seeded + 2  # a mark changes answers too
        store.record_feedback(Feedback("de-aero", "ca-aero-mutual", "interested", at="2025-01-01T"
                                       "00:00:01.000000Z"))
        assert store.data_version() == seeded + 2  # a repeat writes nothing
        store.add_token(issue("de-aero", "2025-01-01T00:00:00.000000Z")[1])
        assert store.data_version() == seeded + 2  # tokens change no answer
        store.replace_relationships(catalogue.relationships)
        assert store.data_version() == seeded + 3
    finally:
        store.close()


def test_migrations_are_recorded_and_applied_once(database: str) -> None:
    store = open_store(database)
    try:
        assert [v for v, _, _ in store.migrations()] == [m.version for m in MIGRATIONS]
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()
    again = open_store(database)  # a second start (another worker) applies nothing
    try:
        assert again._migrate() == []
        assert [v for v, _, _ in again.migrations()] == [m.version for m in MIGRATIONS]
    finally:
        again.close()


def test_two_connections_see_each_others_writes(database: str, catalogue: Catalogue,
                                                reference: Reference) -> None:
    """Two stores on one database, as two workers or two hosts hold them."""
    first, second = open_store(database), open_store(database)
    try:
        first.seed(catalogue)
        assert not second.is_empty()
        before = second.data_version()
        first.upsert(replace(catalogue.get("kr-photonics"), description="Seen by both."))
        assert second.data_version() == before + 1
        assert [p.description for p in second.changed_since(before, reference)] == ["Seen by both."]
        assert first.hit("writer", 100) == 1 and second.hit("writer", 100) == 2
        assert second.hit("writer", 102) == 1  # a new minute starts at one
        assert first.hit("writer", 100) == 1  # minute 100 was dropped when 102 began
    finally:
        first.close()
        second.close()


def test_concurrent_writers_never_lose_an_update(database: str, catalogue: Catalogue,
                                                 reference: Reference) -> None:
    """Eight threads on two connections each write the same profile based on the version they
    read; every acknowledged write raised the version by one, so none was lost."""
    stores = [open_store(database), open_store(database)]
    stores[0].seed(catalogue)
    profile = catalogue.get("de-aero")
    acknowledged: list[int] = []
    conflicts = 0
    lock = threading.Lock()

    def writer(n: int) -> None:
        nonlocal conflicts
        store = stores[n % 2]
        for i in range(15):
            version = store.version(profile.id) or 0
            try:
                new = store.upsert(replace(profile, description=f"Writer {n}, write {i}."), version)
            except VersionConflictError:
                with lock:
                    conflicts += 1
                continue
            with lock:
                acknowledged.append(new)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(acknowledged) == list(range(2, 2 + len(acknowledged)))  # no version twice
        assert stores[1].version(profile.id) == 1 + len(acknowledged)
        assert len(acknowledged) + conflicts == 8 * 15
    finally:
        for store in stores:
            store.close()


def test_a_lease_lets_one_worker_do_a_shared_job(database: str) -> None:
    first, second = open_store(database), open_store(database)
    try:
        assert first.claim("follow", "v1", "worker-a", now=100.0, ttl=60)
        assert not second.claim("follow", "v1", "worker-b", now=101.0, ttl=60)  # taken
        assert first.claim("follow", "v1", "worker-a", now=102.0, ttl=60)  # its own, again
        assert second.claim("follow", "v2", "worker-b", now=103.0, ttl=60)  # a new version
        assert not first.claim("follow", "v2", "worker-a", now=104.0, ttl=60)
        assert first.claim("follow", "v2", "worker-a", now=200.0, ttl=60)  # b's lease expired
    finally:
        first.close()
        second.close()
