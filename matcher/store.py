"""The profile database: SQLite persistence of profiles edited through the service.

The curated ``data/`` catalogue seeds an empty database; afterwards the database is the source of
profiles for the service, every write is one transaction (WAL journal, ``synchronous=FULL``), each
profile carries a version number for optimistic concurrency, and :meth:`ProfileStore.export`
writes the database back in the catalogue format.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from .catalogue import Catalogue, Reference
from .errors import CatalogueError, ClusterBridgeError, Problem
from .profiles import Partnership, Profile, as_problems, parse_partnership, parse_profile

SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS partnerships (
    a TEXT NOT NULL, b TEXT NOT NULL, since INTEGER, kind TEXT NOT NULL,
    source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (a, b, kind)
);
"""


def _parse_stored(body: str, reference: Reference) -> tuple[Profile | None, list[tuple[str, str]]]:
    """A stored profile row, checked like a catalogue record except that sources are optional."""
    profile, problems, _ = parse_profile(json.loads(body), reference.geography,
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
                self._db.executemany(
                    "INSERT INTO partnerships VALUES (?, ?, ?, ?, ?, ?)",
                    [(x.a, x.b, x.since, x.kind, x.source, x.note) for x in catalogue.partnerships],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return True

    def catalogue(self, reference: Reference) -> Catalogue:
        """Every stored profile and partnership, validated like a catalogue file."""
        with self._lock:
            rows = self._db.execute("SELECT id, body FROM profiles ORDER BY id").fetchall()
            links = self._db.execute("SELECT a, b, since, kind, source, note FROM partnerships "
                                     "ORDER BY a, b, kind").fetchall()
        profiles: list[Profile] = []
        problems: list[Problem] = []
        for n, (_, body) in enumerate(rows, start=1):
            profile, pairs = _parse_stored(body, reference)
            problems.extend(as_problems(str(self.path), n, pairs))
            if profile is not None:
                profiles.append(profile)
        partnerships: list[Partnership] = []
        for n, (a, b, since, kind, source, note) in enumerate(links, start=1):
            link, pairs = parse_partnership({"a": a, "b": b, "since": since or "", "kind": kind,
                                             "source": source, "note": note})
            problems.extend(as_problems(f"{self.path}#partnerships", n, pairs))
            if link is not None:
                partnerships.append(link)
        if problems:
            raise CatalogueError(problems)
        return Catalogue(profiles, partnerships, reference)

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
