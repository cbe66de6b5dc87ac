"""The service database: SQLite persistence of profiles, relationships, feedback, tokens and
the follow state (top-k snapshots and alerts).

The curated ``data/`` catalogue seeds an empty database; afterwards the database is the source of
profiles for the service, every write is one transaction (WAL journal, ``synchronous=FULL``), each
profile carries a version number for optimistic concurrency, and :meth:`ProfileStore.export`
writes the database back in the catalogue format. Relationships (bilateral ties, networks and
their members) are curated in ``data/`` and copied into the database when it is seeded; a database
of the first schema (pairwise "partnerships" only) has its relationships dropped when opened and
replaced from ``data/`` (:attr:`ProfileStore.needs_relationships`). Schema 3 adds feedback (every
mark kept), per-cluster tokens (salted digests only), each German cluster's latest top-k, the pairs
ever suggested, and alerts; opening a schema-2 database adds these tables and keeps everything else.

All SQL of the project is here, behind methods, and kept portable (no SQLite-only statements where
a standard one exists: ``ON CONFLICT`` upserts, ``LIMIT``, text times in ISO 8601 UTC), so that a
second back-end can implement the same methods.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .alerts import Alert, Entry
from .catalogue import Catalogue, Reference
from .errors import CatalogueError, ClusterBridgeError, Problem
from .feedback import DISMISSED, Feedback
from .profiles import Profile, as_problems, parse_profile, scrub_record
from .relationships import Relationships, parse_membership, parse_network, parse_partnership
from .tokens import TokenRecord

SCHEMA_VERSION = 3
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
CREATE TABLE IF NOT EXISTS feedback (
    cluster TEXT NOT NULL, candidate TEXT NOT NULL, seq INTEGER NOT NULL,
    status TEXT NOT NULL, reason TEXT, note TEXT, actor TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (cluster, candidate, seq)
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, cluster TEXT NOT NULL, salt TEXT NOT NULL, digest TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS topk (
    cluster TEXT NOT NULL, place INTEGER NOT NULL, candidate TEXT NOT NULL, score REAL NOT NULL,
    version TEXT NOT NULL, taken_at TEXT NOT NULL,
    PRIMARY KEY (cluster, place)
);
CREATE TABLE IF NOT EXISTS suggested (
    cluster TEXT NOT NULL, candidate TEXT NOT NULL, first_at TEXT NOT NULL,
    PRIMARY KEY (cluster, candidate)
);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, cluster TEXT NOT NULL, candidate TEXT NOT NULL, kind TEXT NOT NULL,
    place INTEGER NOT NULL, previous_place INTEGER, score REAL NOT NULL, version TEXT NOT NULL,
    created_at TEXT NOT NULL, delivery TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_cluster ON alerts (cluster, created_at);
CREATE TABLE IF NOT EXISTS follow_state (
    name TEXT PRIMARY KEY, value TEXT NOT NULL
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
        if version < 2:
            legacy = self._db.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'profiles'"
            ).fetchone()[0]
            if legacy:
                # Schema 1 kept multi-party networks as pairwise rows: drop them all.
                self._db.execute("DROP TABLE IF EXISTS partnerships")
                self.needs_relationships = True
        # Schema 2 -> 3 only adds tables (feedback, tokens, follow state): every row stays.
        self._db.executescript(SCHEMA)
        if version < SCHEMA_VERSION:
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return bool(self._db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 0)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, under the lock: committed on success, rolled back otherwise."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def seed(self, catalogue: Catalogue) -> bool:
        """Fill an empty database from ``catalogue``; returns whether it did."""
        with self._write() as db:
            if db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0]:
                return False
            db.executemany(
                "INSERT INTO profiles (id, body, version) VALUES (?, ?, 1)",
                [(p.id, json.dumps(p.to_dict(), ensure_ascii=False)) for p in catalogue.profiles],
            )
            self._insert_relationships(catalogue.relationships)
            return True

    def replace_relationships(self, relationships: Relationships) -> None:
        """Replace every stored relationship (after an upgrade from the first schema)."""
        with self._write() as db:
            for table in RELATIONSHIP_TABLES:
                db.execute(f"DELETE FROM {table}")
            self._insert_relationships(relationships)
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
        with self._write() as db:
            row = db.execute("SELECT version FROM profiles WHERE id = ?", (profile.id,)).fetchone()
            current = None if row is None else int(row[0])
            if expected_version is not None and expected_version != (current or 0):
                raise VersionConflictError(profile.id, expected_version, current)
            version = (current or 0) + 1
            db.execute(
                "INSERT INTO profiles (id, body, version) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET body = excluded.body, version = excluded.version",
                (profile.id, body, version),
            )
        return version

    def integrity_ok(self) -> bool:
        with self._lock:
            return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def export(self, reference: Reference, directory: Path) -> None:
        """Write the database in the catalogue format (``profiles/*.jsonl``, partnerships.csv)."""
        from .bundle import write_catalogue

        write_catalogue(self.catalogue(reference), directory)

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
