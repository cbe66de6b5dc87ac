"""The profile database: SQLite persistence of profiles edited through the service.

The curated ``data/`` catalogue seeds an empty database; afterwards the database is the source of
profiles for the service, every write is one transaction (WAL journal, ``synchronous=FULL``), each
profile carries a version number for optimistic concurrency, and :meth:`ProfileStore.export`
writes the database back in the catalogue format. Relationships (bilateral ties, networks and
their members) are curated in ``data/`` and copied into the database when it is seeded; a database
of the first schema (pairwise "partnerships" only) has its relationships dropped when opened and
replaced from ``data/`` (:attr:`ProfileStore.needs_relationships`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .catalogue import Catalogue, Reference
from .errors import CatalogueError, ClusterBridgeError, Problem
from .profiles import Profile, as_problems, parse_profile, scrub_record
from .relationships import Relationships, parse_membership, parse_network, parse_partnership

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS partnerships (
    a TEXT NOT NULL, b TEXT NOT NULL, since INTEGER, kind TEXT NOT NULL,
    source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (a, b)
);
CREATE TABLE IF NOT EXISTS networks (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, since INTEGER, until INTEGER,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS network_members (
    network TEXT NOT NULL, profile TEXT NOT NULL, since INTEGER, source TEXT NOT NULL,
    PRIMARY KEY (network, profile)
);
"""
RELATIONSHIP_TABLES = ("partnerships", "networks", "network_members")


logger = logging.getLogger(__name__)


def _parse_stored(body: str, reference: Reference) -> tuple[Profile | None, list[tuple[str, str]]]:
    """A stored profile row, checked like a catalogue record except that sources are optional.

    Control characters in a row written before they were refused are replaced by spaces, so
    that such a row neither stops the service nor reaches a page or report.
    """
    record = json.loads(body)
    if isinstance(record, dict):
        cleaned = scrub_record(record)
        if cleaned != record:
            logger.warning("profile %r: control characters in stored text read as spaces",
                           record.get("id"))
            record = cleaned
    profile, problems, _ = parse_profile(record, reference.geography,
                                         reference.taxonomy, strict=True, require_sources=False)
    return profile, problems


class VersionConflictError(ClusterBridgeError):
    """A write based on a version that is no longer current."""

    def __init__(self, profile_id: str, expected: int, current: int | None) -> None:
        super().__init__(
            f"profile {profile_id!r} is at version {current}, not {expected}; reload and retry"
        )
        self.current = current


class ProfileStore:
    """Profiles and partnerships in one SQLite file, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self.needs_relationships = False
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version < SCHEMA_VERSION:
            legacy = self._db.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'profiles'"
            ).fetchone()[0]
            if legacy:
                # Schema 1 kept multi-party networks as pairwise rows: drop them all.
                self._db.execute("DROP TABLE IF EXISTS partnerships")
                self.needs_relationships = True
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        else:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return bool(self._db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 0)

    def seed(self, catalogue: Catalogue) -> bool:
        """Fill an empty database from ``catalogue``; returns whether it did."""
        with self._lock:
            if self._db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0]:
                return False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO profiles (id, body, version) VALUES (?, ?, 1)",
                    [(p.id, json.dumps(p.to_dict(), ensure_ascii=False)) for p in catalogue.profiles],
                )
                self._insert_relationships(catalogue.relationships)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return True

    def replace_relationships(self, relationships: Relationships) -> None:
        """Replace every stored relationship (after an upgrade from the first schema)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for table in RELATIONSHIP_TABLES:
                    self._db.execute(f"DELETE FROM {table}")
                self._insert_relationships(relationships)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self.needs_relationships = False

    def _insert_relationships(self, relationships: Relationships) -> None:
        ties, networks, members = relationships.rows()
        self._db.executemany("INSERT INTO partnerships VALUES (:a, :b, :since, :kind, :source, :note)",
                             ties)
        self._db.executemany(
            "INSERT INTO networks VALUES (:id, :name, :kind, :since, :until, :source)", networks)
        self._db.executemany(
            "INSERT INTO network_members VALUES (:network, :profile, :since, :source)", members)

    def catalogue(self, reference: Reference) -> Catalogue:
        """Every stored profile and partnership, validated like a catalogue file."""
        with self._lock:
            rows = self._db.execute("SELECT id, body FROM profiles ORDER BY id").fetchall()
            tables = {table: self._rows(table) for table in RELATIONSHIP_TABLES}
        profiles: list[Profile] = []
        problems: list[Problem] = []
        for n, (_, body) in enumerate(rows, start=1):
            profile, pairs = _parse_stored(body, reference)
            problems.extend(as_problems(str(self.path), n, pairs))
            if profile is not None:
                profiles.append(profile)
        parsed: dict[str, list[Any]] = {}
        for table, parse in zip(RELATIONSHIP_TABLES, (parse_partnership, parse_network,
                                                      parse_membership), strict=True):
            parsed[table] = []
            for n, row in enumerate(tables[table], start=1):
                record, pairs = parse(row)
                problems.extend(as_problems(f"{self.path}#{table}", n, pairs))
                if record is not None:
                    parsed[table].append(record)
        if problems:
            raise CatalogueError(problems)
        relationships = Relationships(parsed["partnerships"], parsed["networks"],
                                      parsed["network_members"])
        return Catalogue(profiles, relationships, reference)

    def _rows(self, table: str) -> list[dict[str, Any]]:
        cursor = self._db.execute(f"SELECT * FROM {table}")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def get(self, profile_id: str, reference: Reference) -> tuple[Profile, int] | None:
        """A stored profile and its version, read together (None if absent)."""
        with self._lock:
            row = self._db.execute("SELECT body, version FROM profiles WHERE id = ?",
                                   (profile_id,)).fetchone()
        if row is None:
            return None
        profile, _ = _parse_stored(row[0], reference)
        return (profile, int(row[1])) if profile is not None else None

    def version(self, profile_id: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT version FROM profiles WHERE id = ?",
                                   (profile_id,)).fetchone()
        return None if row is None else int(row[0])

    def upsert(self, profile: Profile, expected_version: int | None = None) -> int:
        """Insert or replace ``profile`` in one transaction; returns its new version.

        Raises:
            VersionConflictError: ``expected_version`` is given and is not the stored version
                (0 means "must not exist yet").
        """
        body = json.dumps(profile.to_dict(), ensure_ascii=False)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT version FROM profiles WHERE id = ?",
                                       (profile.id,)).fetchone()
                current = None if row is None else int(row[0])
                if expected_version is not None and expected_version != (current or 0):
                    raise VersionConflictError(profile.id, expected_version, current)
                version = (current or 0) + 1
                self._db.execute(
                    "INSERT INTO profiles (id, body, version) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET body = excluded.body, version = excluded.version",
                    (profile.id, body, version),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return version

    def integrity_ok(self) -> bool:
        with self._lock:
            return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def export(self, reference: Reference, directory: Path) -> None:
        """Write the database in the catalogue format (``profiles/*.jsonl``, partnerships.csv)."""
        from .bundle import write_catalogue

        write_catalogue(self.catalogue(reference), directory)
