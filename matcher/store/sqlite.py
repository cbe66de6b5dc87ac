"""The embedded back-end: one SQLite file (WAL journal, ``synchronous=FULL``).

Several service processes on one host may share the file: ``BEGIN IMMEDIATE`` serialises the
writers of every process, and a writer waits up to :data:`BUSY_TIMEOUT_S` for another's lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import Connection
from .schema import SCHEMA_VERSION
from .store import Store

#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_S = 30.0


class SQLiteStore(Store):
    """The store in one SQLite file, shared between threads through one connection and a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.location = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_S)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        legacy = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        # A database with the migrations table was never schema 1, whatever user_version says:
        # another process that has just created it sets user_version only after its migrations.
        migrated = self._has_table("schema_migrations")
        if legacy < 2 and not migrated and self._has_table("profiles"):
            # Schema 1 kept multi-party networks as pairwise rows: drop them all; the caller
            # copies the relationships from data/ (needs_relationships).
            self._db.execute("DROP TABLE IF EXISTS partnerships")
            self.needs_relationships = True
            legacy = 2 if self._has_table("networks") else 0
        self._migrate(legacy_version=0 if migrated else legacy)
        # Kept for tools that read the schema number the SQLite way.
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _has_table(self, name: str) -> bool:
        return bool(self._db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                     "AND name = ?", (name,)).fetchone()[0])

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._lock:
            yield self._db

    def integrity_ok(self) -> bool:
        with self._lock:
            return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def close(self) -> None:
        with self._lock:
            self._db.close()
