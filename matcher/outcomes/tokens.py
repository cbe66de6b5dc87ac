"""Per-cluster tokens: what a cluster manager presents to write feedback for one cluster.

A token reads ``cbt_<id>.<secret>``: the id names its database row, the secret is 32 random
bytes (URL-safe base64). Only a salted SHA-256 digest of the secret is stored; a slow hash
(scrypt) would add latency to every write and nothing else, since a 256-bit random secret cannot
be guessed from its digest. Issued by an administrator (``clusterbridge token create``), revoked
by id (``clusterbridge token revoke``); the store is read on every check, so a revocation holds
from the next request on, without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

PREFIX = "cbt_"
_TOKEN = re.compile(r"cbt_([0-9a-f]{12})\.([A-Za-z0-9_-]{20,100})")


@dataclass(frozen=True)
class TokenRecord:
    """A stored token: never the secret, only its salt and digest."""

    id: str
    cluster: str
    salt: str
    digest: str
    created_at: str
    revoked_at: str | None = None

    def public(self) -> dict[str, str | None]:
        """What may be shown: id, cluster and dates, never salt or digest."""
        return {"id": self.id, "cluster": self.cluster, "created_at": self.created_at,
                "revoked_at": self.revoked_at}


class TokenSource(Protocol):
    """Where tokens are looked up (the store)."""

    def token(self, token_id: str) -> TokenRecord | None: ...


def digest(salt: str, secret: str) -> str:
    """Hex SHA-256 of ``salt`` and ``secret``."""
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def issue(cluster: str, created_at: str) -> tuple[str, TokenRecord]:
    """A new token for ``cluster``: the text to hand out once, and the record to store."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    return (f"{PREFIX}{token_id}.{secret}",
            TokenRecord(token_id, cluster, salt, digest(salt, secret), created_at))


def parse(token: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed token, else None."""
    found = _TOKEN.fullmatch(token)
    return (found.group(1), found.group(2)) if found else None


def authenticate(source: TokenSource, token: str) -> TokenRecord | None:
    """The live (not revoked) record of ``token``, or None; compared in constant time."""
    parsed = parse(token)
    if parsed is None:
        return None
    record = source.token(parsed[0])
    if record is None or record.revoked_at is not None:
        return None
    return record if hmac.compare_digest(digest(record.salt, parsed[1]), record.digest) else None
