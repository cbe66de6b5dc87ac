"""The database schema: :data:`MIGRATIONS`, applied in order at open and recorded in the
``schema_migrations`` table, and the column lists the statements share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema change: its number, what it does, and its statements (run in one transaction)."""

    version: int
    name: str
    statements: tuple[str, ...]
    #: The relationship tables gain what only ``data/`` holds: a database that existed before
    #: copies its relationships from there again (``StoreBase.needs_relationships``).
    relationships_from_data: bool = False


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
    Migration(5, "the year a bilateral tie was last confirmed", (
        "ALTER TABLE partnerships ADD COLUMN confirmed INTEGER",
    ), relationships_from_data=True),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
RELATIONSHIP_TABLES = ("partnerships", "networks", "network_members")

FEEDBACK_COLUMNS = "cluster, candidate, status, reason, note, actor, created_at"
TOKEN_COLUMNS = "id, cluster, salt, digest, created_at, revoked_at"
ALERT_COLUMNS = ("id, cluster, candidate, kind, place, previous_place, score, version, "
                 "created_at")
