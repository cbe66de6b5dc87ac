"""The follow state in the database: the stored top-k lists, their alerts and webhook delivery,
and the leases that let one worker (or host) do a shared job."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..outcomes.alerts import Alert, Entry
from .base import StoreBase
from .schema import ALERT_COLUMNS


class FollowRows(StoreBase):
    """Top-k snapshots, alerts, deliveries and leases."""

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
