"""The back-end for deployments on several hosts: PostgreSQL through ``psycopg`` and a pool.

Every write transaction first takes one transaction-level advisory lock, so writers are
serialised as they are on SQLite (a version check and its write cannot interleave with another
process's); reads run concurrently on pooled connections. The store's statements use ``?`` and
``:name`` parameters; they are translated to psycopg's ``%s`` and ``%(name)s`` here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .base import Connection, Cursor
from .store import Store

#: The advisory lock that serialises writers (any fixed 64-bit number).
WRITE_LOCK = 0x436C75737442
_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)")


def translate(sql: str) -> str:
    """``?`` and ``:name`` parameters as psycopg writes them (no ``%`` may appear otherwise)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("?", "%s"))


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class _Translating:
    """A psycopg connection that takes the store's parameter style."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Any = None, /) -> Cursor:
        cursor: Cursor = self._connection.execute(translate(sql), params)
        return cursor

    def executemany(self, sql: str, params: Iterable[Any], /) -> Any:
        with self._connection.cursor() as cursor:
            cursor.executemany(translate(sql), list(params))


class PostgresStore(Store):
    """The store in a PostgreSQL database named by a ``postgresql://`` URL.

    Args:
        url: the database; it must exist (the schema is created and migrated here).
        pool_size: the most connections this process opens.
    """

    def __init__(self, url: str, pool_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self.location = redact(url)
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False,
                                    kwargs={"autocommit": True}, name="clusterbridge")
        self._pool.open(wait=True, timeout=30)
        self._migrate()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield _Translating(connection)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _Translating(connection)

    def integrity_ok(self) -> bool:
        try:
            return bool(self._read("SELECT 1")[0][0] == 1)
        except Exception:  # any driver or pool error means: not ready
            return False

    def close(self) -> None:
        self._pool.close()
