"""The service database: :class:`Store` (alias ``ProfileStore``) and its back-ends, SQLite
(embedded default) and PostgreSQL (several hosts). :func:`open_store` picks one from the
configured location. Records go down, orchestration up: the store imports the catalogue and the
outcome records, never the engine."""

from __future__ import annotations

from pathlib import Path

from ..config import default_database
from ..errors import VersionConflictError
from .base import iso_utc, utc_now
from .schema import MIGRATIONS, SCHEMA_VERSION, Migration
from .sqlite import SQLiteStore
from .store import ProfileStore, Store

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "ProfileStore", "SQLiteStore", "Store",
           "VersionConflictError", "default_database", "is_postgres", "iso_utc", "open_store", "utc_now"]


def is_postgres(database: str | Path) -> bool:
    return str(database).startswith(("postgresql://", "postgres://"))


def open_store(database: str | Path) -> ProfileStore:
    """The store at ``database``: a ``postgresql://`` URL, else a SQLite file path."""
    if is_postgres(database):
        from .postgres import PostgresStore

        return PostgresStore(str(database))
    return SQLiteStore(Path(database))
