"""What suggestions became, in the database: feedback marks (history and current state) and the
per-cluster tokens (stored as salted digests)."""

from __future__ import annotations

from ..outcomes.feedback import DISMISSED, Feedback
from ..outcomes.tokens import TokenRecord
from .base import StoreBase
from .schema import FEEDBACK_COLUMNS, TOKEN_COLUMNS


class FeedbackRows(StoreBase):
    """Feedback marks: every mark kept, the latest per pair current."""

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


class TokenRows(StoreBase):
    """Per-cluster tokens: added, listed, revoked; never stored as given."""

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
