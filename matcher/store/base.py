"""The service database as an interface: profiles, relationships, feedback, tokens, the follow
state (top-k snapshots and alerts), write-rate windows and the data version.

:class:`ProfileStore` holds every rule and every SQL statement; a back-end
(:class:`~matcher.store.sqlite.SQLiteStore`, :class:`~matcher.store.postgres.PostgresStore`)
only supplies connections, transactions and the few statements that differ. The statements are
portable (``ON CONFLICT`` upserts, ``LIMIT``, text times in ISO 8601 UTC) and written with ``?``
and ``:name`` parameters; a back-end translates them to its driver's style.

The curated ``data/`` catalogue seeds an empty database; afterwards the database is the source of
profiles for the service, every write is one transaction and writers are serialised, each profile
carries a version number for optimistic concurrency, and :meth:`ProfileStore.export` writes the
database back in the catalogue format.

Schema changes are :data:`MIGRATIONS`, applied in order at open and recorded in the
``schema_migrations`` table. Every write that can change an answer (a profile, the relationships,
a feedback mark) raises the **data version**, one integer row read cheaply by
:meth:`ProfileStore.data_version`; each profile row records the version that last wrote it, so a
second service process catches up with :meth:`ProfileStore.changed_since`.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..catalogue.catalogue import Catalogue, Reference, write_catalogue
from ..catalogue.profiles import Profile, as_problems, parse_profile, scrub_record
from ..catalogue.relationships import Relationships, parse_membership, parse_network, parse_partnership
from ..errors import CatalogueError, ClusterBridgeError, Problem
from ..outcomes.alerts import Alert, Entry
from ..outcomes.feedback import DISMISSED, Feedback
from ..outcomes.tokens import TokenRecord


@dataclass(frozen=True)
class Migration:
    """One schema change: its number, what it does, and its statements (run in one transaction)."""

    version: int
    name: str
    statements: tuple[str, ...]


#: Every schema change, in order. Numbers 2 and 3 are the schemas that SQLite databases written
#: before the migrations table record in ``PRAGMA user_version``; 1 (multi-party networks kept as
#: pairwise rows) is upgraded by the SQLite back-end before these run.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "profiles, bilateral ties, networks and their members", (
        "CREATE TABLE IF NOT EXISTS profiles (id TEXT PRIMARY KEY, body TEXT NOT NULL, "
        "version INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS partnerships (a TEXT NOT NULL, b TEXT NOT NULL, since INTEGER, "
        "kind TEXT NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', "
        "PRIMARY KEY (a, b))",
        "CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "kind TEXT NOT NULL, since INTEGER, until INTEGER, source TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS network_members (network TEXT NOT NULL, profile TEXT NOT NULL, "
        "since INTEGER, source TEXT NOT NULL, PRIMARY KEY (network, profile))",
    )),
    Migration(3, "feedback, tokens, top-k snapshots, suggested pairs and alerts", (
        "CREATE TABLE IF NOT EXISTS feedback (cluster TEXT NOT NULL, candidate TEXT NOT NULL, "
        "seq INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT, note TEXT, actor TEXT NOT NULL, "
        "created_at TEXT NOT NULL, PRIMARY KEY (cluster, candidate, seq))",
        "CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, "
        "salt TEXT NOT NULL, digest TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
        "CREATE TABLE IF NOT EXISTS topk (cluster TEXT NOT NULL, place INTEGER NOT NULL, "
        "candidate TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, version TEXT NOT NULL, "
        "taken_at TEXT NOT NULL, PRIMARY KEY (cluster, place))",
        "CREATE TABLE IF NOT EXISTS suggested (cluster TEXT NOT NULL, candidate TEXT NOT NULL, "
        "first_at TEXT NOT NULL, PRIMARY KEY (cluster, candidate))",
        "CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, "
        "candidate TEXT NOT NULL, kind TEXT NOT NULL, place INTEGER NOT NULL, "
        "previous_place INTEGER, score DOUBLE PRECISION NOT NULL, version TEXT NOT NULL, "
        "created_at TEXT NOT NULL, delivery TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS alerts_by_cluster ON alerts (cluster, created_at)",
        "CREATE TABLE IF NOT EXISTS follow_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )),
    Migration(4, "data version, the version that last wrote each profile, write-rate windows", (
        "ALTER TABLE profiles ADD COLUMN changed INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX profiles_by_change ON profiles (changed)",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO counters (name, value) VALUES ('data_version', 1)",
        "CREATE TABLE rate_windows (key TEXT NOT NULL, minute INTEGER NOT NULL, "
        "hits INTEGER NOT NULL, PRIMARY KEY (key, minute))",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
RELATIONSHIP_TABLES = ("partnerships", "networks", "network_members")


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


class ProfileStore(ABC):
    """The service database; every method is safe to call from several threads, and several
    processes (or hosts, with PostgreSQL) may share one database.

    A back-end supplies :meth:`_write` (one serialised write transaction), :meth:`_reading` (a
    connection for reads), :meth:`integrity_ok`, :meth:`close` and its name in :attr:`location`.
    """

    #: Where the database is, for messages (a path, or a URL without its password).
    location: str
    #: Set when an upgrade from the first schema dropped the relationships: the caller copies
    #: them from ``data/`` with :meth:`replace_relationships`.
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

    # --- schema -------------------------------------------------------------------------------
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
            applied = []
            for m in MIGRATIONS:
                if m.version in done:
                    continue
                for statement in m.statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                           (m.version, m.name, utc_now()))
                applied.append(m.version)
        if applied:
            logger.info("%s: applied schema migrations %s", self.location, applied)
        return applied

    def migrations(self) -> list[tuple[int, str, str]]:
        """The applied migrations: (number, what it did, when), oldest first."""
        return [(int(v), str(n), str(a)) for v, n, a in self._read(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")]

    def schema_version(self) -> int:
        return max((v for v, _, _ in self.migrations()), default=0)

    # --- reads and the data version -----------------------------------------------------------
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

    def changed_since(self, version: int, reference: Reference) -> list[Profile]:
        """The profiles written after data version ``version``, by id."""
        rows = self._read("SELECT body FROM profiles WHERE changed > ? ORDER BY id", [version])
        profiles = []
        for (body,) in rows:
            profile, _ = _parse_stored(body, reference)
            if profile is not None:
                profiles.append(profile)
        return profiles

    # --- profiles and relationships -----------------------------------------------------------
    def is_empty(self) -> bool:
        return int(self._read("SELECT COUNT(*) FROM profiles")[0][0]) == 0

    def seed(self, catalogue: Catalogue) -> bool:
        """Fill an empty database from ``catalogue``; returns whether it did."""
        with self._write() as db:
            if db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0]:
                return False
            version = self._bump(db)
            db.executemany(
                "INSERT INTO profiles (id, body, version, changed) VALUES (?, ?, 1, ?)",
                [(p.id, json.dumps(p.to_dict(), ensure_ascii=False), version)
                 for p in catalogue.profiles],
            )
            self._insert_relationships(db, catalogue.relationships)
            return True

    def replace_relationships(self, relationships: Relationships) -> None:
        """Replace every stored relationship (after an upgrade from the first schema)."""
        with self._write() as db:
            for table in RELATIONSHIP_TABLES:
                db.execute(f"DELETE FROM {table}")
            self._insert_relationships(db, relationships)
            self._bump(db)
        self.needs_relationships = False

    @staticmethod
    def _insert_relationships(db: Connection, relationships: Relationships) -> None:
        ties, networks, members = relationships.rows()
        db.executemany("INSERT INTO partnerships VALUES (:a, :b, :since, :kind, :source, :note)",
                       ties)
        db.executemany(
            "INSERT INTO networks VALUES (:id, :name, :kind, :since, :until, :source)", networks)
        db.executemany(
            "INSERT INTO network_members VALUES (:network, :profile, :since, :source)", members)

    def catalogue(self, reference: Reference) -> Catalogue:
        """Every stored profile and partnership, validated like a catalogue file."""
        with self._reading() as db:
            rows = db.execute("SELECT id, body FROM profiles ORDER BY id").fetchall()
            tables = {table: self._rows(db, table) for table in RELATIONSHIP_TABLES}
        profiles: list[Profile] = []
        problems: list[Problem] = []
        for n, (_, body) in enumerate(rows, start=1):
            profile, pairs = _parse_stored(body, reference)
            problems.extend(as_problems(self.location, n, pairs))
            if profile is not None:
                profiles.append(profile)
        parsed: dict[str, list[Any]] = {}
        for table, parse in zip(RELATIONSHIP_TABLES, (parse_partnership, parse_network,
                                                      parse_membership), strict=True):
            parsed[table] = []
            for n, row in enumerate(tables[table], start=1):
                record, pairs = parse(row)
                problems.extend(as_problems(f"{self.location}#{table}", n, pairs))
                if record is not None:
                    parsed[table].append(record)
        if problems:
            raise CatalogueError(problems)
        relationships = Relationships(parsed["partnerships"], parsed["networks"],
                                      parsed["network_members"])
        return Catalogue(profiles, relationships, reference)

    @staticmethod
    def _rows(db: Connection, table: str) -> list[dict[str, Any]]:
        cursor = db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def get(self, profile_id: str, reference: Reference) -> tuple[Profile, int] | None:
        """A stored profile and its version, read together (None if absent)."""
        rows = self._read("SELECT body, version FROM profiles WHERE id = ?", [profile_id])
        if not rows:
            return None
        profile, _ = _parse_stored(rows[0][0], reference)
        return (profile, int(rows[0][1])) if profile is not None else None

    def version(self, profile_id: str) -> int | None:
        rows = self._read("SELECT version FROM profiles WHERE id = ?", [profile_id])
        return None if not rows else int(rows[0][0])

    def upsert(self, profile: Profile, expected_version: int | None = None) -> int:
        """Insert or replace ``profile`` in one transaction; returns its new version.

        Raises:
            VersionConflictError: ``expected_version`` is given and is not the stored version
                (0 means "must not exist yet").
        """
        body = json.dumps(profile.to_dict(), ensure_ascii=False)
        with self._write() as db:
            row = db.execute("SELECT version FROM profiles WHERE id = ?", (profile.id,)).fetchone()
            current = None if row is None else int(row[0])
            if expected_version is not None and expected_version != (current or 0):
                raise VersionConflictError(profile.id, expected_version, current)
            version = (current or 0) + 1
            changed = self._bump(db)
            db.execute(
                "INSERT INTO profiles (id, body, version, changed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version, "
                "changed = excluded.changed",
                (profile.id, body, version, changed),
            )
        return version

    def export(self, reference: Reference, directory: Path) -> None:
        """Write the database in the catalogue format (``profiles/*.jsonl``, partnerships.csv)."""
        write_catalogue(self.catalogue(reference), directory)

    # --- write-rate windows -------------------------------------------------------------------
    def hit(self, key: str, minute: int) -> int:
        """Count one event of ``key`` in the clock minute ``minute``; returns the minute's count
        so far, this one included. Windows older than the previous minute are dropped."""
        with self._write() as db:
            db.execute("DELETE FROM rate_windows WHERE minute < ?", (minute - 1,))
            db.execute("INSERT INTO rate_windows (key, minute, hits) VALUES (?, ?, 1) "
                       "ON CONFLICT (key, minute) DO UPDATE SET hits = rate_windows.hits + 1",
                       (key, minute))
            return int(db.execute("SELECT hits FROM rate_windows WHERE key = ? AND minute = ?",
                                  (key, minute)).fetchone()[0])

    # --- feedback ---------------------------------------------------------------------------
    def record_feedback(self, entry: Feedback) -> tuple[Feedback, bool]:
        """Append ``entry`` to its pair's history unless it repeats the pair's current mark.

        Returns the pair's current mark and whether ``entry`` was recorded (False: a repeat,
        nothing written; the earlier mark is returned).
        """
        with self._write() as db:
            row = db.execute(
                f"SELECT {FEEDBACK_COLUMNS}, seq FROM feedback WHERE cluster = ? AND candidate = ? "
                "ORDER BY seq DESC LIMIT 1", (entry.cluster, entry.candidate)).fetchone()
            if row is not None:
                latest = Feedback(*row[:-1])
                if latest.same_mark(entry):
                    return latest, False
            seq = 1 if row is None else int(row[-1]) + 1
            self._bump(db)  # marks change answers (dismissed candidates, each match's status)
            db.execute(f"INSERT INTO feedback ({FEEDBACK_COLUMNS}, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (entry.cluster, entry.candidate, entry.status, entry.reason, entry.note,
                        entry.actor, entry.at, seq))
        return entry, True

    def feedback_history(self, cluster: str | None = None) -> list[Feedback]:
        """Every mark (of ``cluster``), each pair's in the order written."""
        where, params = ("WHERE cluster = ?", [cluster]) if cluster is not None else ("", [])
        rows = self._read(f"SELECT {FEEDBACK_COLUMNS} FROM feedback {where} "
                          "ORDER BY cluster, candidate, seq", params)
        return [Feedback(*row) for row in rows]

    def feedback_current(self, cluster: str | None = None) -> dict[tuple[str, str], Feedback]:
        """The latest mark of each (cluster, candidate) pair (of ``cluster``)."""
        where, params = ("WHERE cluster = ?", [cluster]) if cluster is not None else ("", [])
        columns = ", ".join(f"f.{c.strip()}" for c in FEEDBACK_COLUMNS.split(","))
        rows = self._read(
            f"SELECT {columns} FROM feedback f JOIN (SELECT cluster, candidate, MAX(seq) AS seq "
            f"FROM feedback {where} GROUP BY cluster, candidate) m ON f.cluster = m.cluster "
            "AND f.candidate = m.candidate AND f.seq = m.seq", params)
        return {(row[0], row[1]): Feedback(*row) for row in rows}

    def dismissed(self, cluster: str | None = None) -> dict[str, set[str]]:
        """Cluster id -> candidates whose current mark is ``not_relevant``."""
        out: dict[str, set[str]] = {}
        for (c, candidate), entry in self.feedback_current(cluster).items():
            if entry.status == DISMISSED:
                out.setdefault(c, set()).add(candidate)
        return out

    # --- tokens -----------------------------------------------------------------------------
    def add_token(self, record: TokenRecord) -> None:
        with self._write() as db:
            db.execute("INSERT INTO tokens (id, cluster, salt, digest, created_at, revoked_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (record.id, record.cluster, record.salt,
                                                     record.digest, record.created_at, None))

    def token(self, token_id: str) -> TokenRecord | None:
        rows = self._read(f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?", [token_id])
        return TokenRecord(*rows[0]) if rows else None

    def tokens(self) -> list[TokenRecord]:
        return [TokenRecord(*row) for row in
                self._read(f"SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY cluster, created_at")]

    def revoke_token(self, token_id: str, at: str) -> bool:
        """Revoke a live token; returns whether one was revoked."""
        with self._write() as db:
            cursor = db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                (at, token_id))
            return bool(cursor.rowcount)

    # --- follow: top-k snapshots and alerts ---------------------------------------------------
    def snapshot_version(self) -> str | None:
        """The catalogue version of the stored top-k lists (None before the first)."""
        rows = self._read("SELECT value FROM follow_state WHERE name = 'snapshot_version'")
        return str(rows[0][0]) if rows else None

    def snapshots(self) -> dict[str, list[Entry]]:
        """Cluster id -> its stored top-k, best first."""
        out: dict[str, list[Entry]] = {}
        for cluster, candidate, place, score in self._read(
                "SELECT cluster, candidate, place, score FROM topk ORDER BY cluster, place"):
            out.setdefault(cluster, []).append(Entry(candidate, int(place), float(score)))
        return out

    def save_snapshots(self, version: str, snapshots: Mapping[str, Sequence[Entry]],
                       alerts: Iterable[Alert], taken_at: str, delivery: str) -> list[Alert]:
        """Replace the top-k of the clusters in ``snapshots``, remember every pair as suggested,
        add ``alerts`` (with the delivery state ``delivery``) and set the snapshot version, in one
        transaction. Returns the alerts that were new (an alert id already stored is skipped)."""
        added = []
        with self._write() as db:
            for cluster, entries in snapshots.items():
                db.execute("DELETE FROM topk WHERE cluster = ?", (cluster,))
                db.executemany(
                    "INSERT INTO topk (cluster, place, candidate, score, version, taken_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(cluster, e.place, e.candidate, e.score, version, taken_at) for e in entries])
                db.executemany(
                    "INSERT INTO suggested (cluster, candidate, first_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (cluster, candidate) DO NOTHING",
                    [(cluster, e.candidate, taken_at) for e in entries])
            for a in alerts:
                cursor = db.execute(
                    f"INSERT INTO alerts ({ALERT_COLUMNS}, delivery) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (a.id, a.cluster, a.candidate, a.kind, a.place, a.previous_place, a.score,
                     a.version, a.created_at, delivery))
                if cursor.rowcount:
                    added.append(a)
            db.execute("INSERT INTO follow_state (name, value) VALUES ('snapshot_version', ?) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (version,))
        return added

    def claim(self, name: str, value: str, owner: str, now: float, ttl: float) -> bool:
        """Take the lease ``name`` for ``value`` (a catalogue version, say) unless another owner
        holds it for the same value and it is younger than ``ttl`` seconds; returns whether
        ``owner`` holds it now. Lets one of several workers or hosts do a shared job once."""
        key = f"lease:{name}"
        with self._write() as db:
            row = db.execute("SELECT value FROM follow_state WHERE name = ?", (key,)).fetchone()
            if row is not None:
                held = json.loads(row[0])
                if (held["value"] == value and held["owner"] != owner
                        and now - float(held["at"]) < ttl):
                    return False
            lease = json.dumps({"value": value, "owner": owner, "at": now})
            db.execute("INSERT INTO follow_state (name, value) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (key, lease))
            return True

    def suggested_pairs(self) -> list[tuple[str, str]]:
        """Every (cluster, candidate) pair that was ever in a stored top-k."""
        return [(str(a), str(b)) for a, b in
                self._read("SELECT cluster, candidate FROM suggested ORDER BY cluster, candidate")]

    def alerts(self, cluster: str, since: str | None = None, limit: int = 100) -> list[Alert]:
        """The alerts of ``cluster`` created after ``since`` (ISO 8601 UTC), newest first."""
        where = "cluster = ?" + (" AND created_at > ?" if since is not None else "")
        params: list[Any] = [cluster, *([since] if since is not None else []), limit]
        rows = self._read(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {where} "
                          "ORDER BY created_at DESC, place LIMIT ?", params)
        return [Alert(*row) for row in rows]

    def delivery(self, alert_id: str) -> str | None:
        rows = self._read("SELECT delivery FROM alerts WHERE id = ?", [alert_id])
        return str(rows[0][0]) if rows else None

    def mark_delivery(self, alert_ids: Iterable[str], state: str) -> None:
        """Set the webhook delivery state (pending, delivered, failed) of alerts."""
        with self._write() as db:
            db.executemany("UPDATE alerts SET delivery = ? WHERE id = ?",
                           [(state, i) for i in alert_ids])


FEEDBACK_COLUMNS = "cluster, candidate, status, reason, note, actor, created_at"
TOKEN_COLUMNS = "id, cluster, salt, digest, created_at, revoked_at"
ALERT_COLUMNS = ("id, cluster, candidate, kind, place, previous_place, score, version, "
                 "created_at")


def utc_now() -> str:
    """Now as the store writes times: ISO 8601 UTC with microseconds (sorts as text)."""
    return iso_utc(datetime.now(UTC))


def iso_utc(moment: datetime) -> str:
    """``moment`` in the store's time format; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
