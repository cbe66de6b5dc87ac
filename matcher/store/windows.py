"""Write-rate windows: how many writes a key made in one clock minute, shared by every worker."""

from __future__ import annotations

from .base import StoreBase


class RateWindows(StoreBase):
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
