"""The service database as an interface: profiles, relationships, feedback, tokens, the follow
state (top-k snapshots and alerts), write-rate windows and the data version.

:class:`~matcher.store.store.Store` holds every rule and every SQL statement, one concern per
module (``profiles``, ``outcomes``, ``follow``, ``windows``), each a mixin over the hooks of
:class:`StoreBase` here (``schema`` holds the migrations); a back-end
(:class:`~matcher.store.sqlite.SQLiteStore`, :class:`~matcher.store.postgres.PostgresStore`)
only supplies connections, transactions and the few statements that differ. The statements are
portable (``ON CONFLICT`` upserts, ``LIMIT``, text times in ISO 8601 UTC) and written with ``?``
and ``:name`` parameters; a back-end translates them to its driver's style.

The curated ``data/`` catalogue seeds an empty database; afterwards the database is the source of
profiles for the service, every write is one transaction and writers are serialised, each profile
carries a version number for optimistic concurrency, and :meth:`Store.export` writes the
database back in the catalogue format.

Schema changes are :data:`MIGRATIONS`, applied in order at open and recorded in the
``schema_migrations`` table. Every write that can change an answer (a profile, the relationships,
a feedback mark) raises the **data version**, one integer row read cheaply by
:meth:`StoreBase.data_version`; each profile row records the version that last wrote it, so a
second service process catches up with :meth:`Store.changed_since`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from .schema import MIGRATIONS, MIGRATIONS_TABLE

logger = logging.getLogger(__name__)


class Cursor(Protocol):
    """What the store uses of a DB-API cursor."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What the store uses of a connection: statements with ``?`` and ``:name`` parameters."""

    def execute(self, sql: str, params: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, params: Iterable[Any], /) -> Any: ...


class StoreBase(ABC):
    """The hooks of the service database and what every concern uses: the schema, reads, the
    data version. Every method is safe to call from several threads, and several processes (or
    hosts, with PostgreSQL) may share one database.

    A back-end supplies :meth:`_write` (one serialised write transaction), :meth:`_reading` (a
    connection for reads), :meth:`integrity_ok`, :meth:`close` and its name in :attr:`location`.
    """

    #: Where the database is, for messages (a path, or a URL without its password).
    location: str
    #: Set when an upgrade dropped the relationships (from the first schema) or gave them a
    #: column only ``data/`` fills (a migration with ``relationships_from_data``): the caller
    #: copies them from ``data/`` with :meth:`replace_relationships`.
    needs_relationships: bool = False

    @abstractmethod
    def _write(self) -> AbstractContextManager[Connection]:
        """One write transaction, exclusive among all writers: committed on success, rolled back
        otherwise."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads; everything read inside sees one consistent state."""

    @abstractmethod
    def integrity_ok(self) -> bool:
        """Whether the database answers and its own consistency check passes."""

    @abstractmethod
    def close(self) -> None: ...

    def _migrate(self, legacy_version: int = 0) -> list[int]:
        """Apply the migrations not yet recorded, in one transaction; returns their numbers.

        ``legacy_version``: the schema of a database written before the migrations table
        (migrations up to it are recorded as applied, not run again).
        """
        with self._write() as db:
            db.execute(MIGRATIONS_TABLE)
            done = {int(row[0]) for row in db.execute("SELECT version FROM schema_migrations")
                    .fetchall()}
            if not done and legacy_version:
                for m in MIGRATIONS:
                    if m.version <= legacy_version:
                        db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                   (m.version, m.name, "before the migrations table"))
                        done.add(m.version)
            existed = bool(done)
            applied = []
            for m in MIGRATIONS:
                if m.version in done:
                    continue
                for statement in m.statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                           (m.version, m.name, utc_now()))
                applied.append(m.version)
                if existed and m.relationships_from_data:
                    self.needs_relationships = True
        if applied:
            logger.info("%s: applied schema migrations %s", self.location, applied)
        return applied

    def migrations(self) -> list[tuple[int, str, str]]:
        """The applied migrations: (number, what it did, when), oldest first."""
        return [(int(v), str(n), str(a)) for v, n, a in self._read(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")]

    def schema_version(self) -> int:
        return max((v for v, _, _ in self.migrations()), default=0)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._reading() as db:
            return [tuple(row) for row in db.execute(sql, params).fetchall()]

    @staticmethod
    def _bump(db: Connection) -> int:
        """Raise the data version inside a write transaction; returns the new version."""
        db.execute("UPDATE counters SET value = value + 1 WHERE name = 'data_version'")
        return int(db.execute("SELECT value FROM counters WHERE name = 'data_version'")
                   .fetchone()[0])

    def data_version(self) -> int:
        """A number that rises with every write that can change an answer (profiles,
        relationships, feedback); one row, cheap enough to read on every request."""
        return int(self._read("SELECT value FROM counters WHERE name = 'data_version'")[0][0])


def utc_now() -> str:
    """Now as the store writes times: ISO 8601 UTC with microseconds (sorts as text)."""
    return iso_utc(datetime.now(UTC))


def iso_utc(moment: datetime) -> str:
    """``moment`` in the store's time format; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
