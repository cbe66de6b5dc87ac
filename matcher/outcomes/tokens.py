"""Per-cluster tokens: what a cluster manager presents to write feedback for one cluster.

A token reads ``cbt_<id>.<secret>``: the id names its database row, the secret is 32 random
bytes (URL-safe base64). Only a salted SHA-256 digest of the secret is stored; a slow hash
(scrypt) would add latency to every write and nothing else, since a 256-bit random secret cannot
be guessed from its digest. Issued by an administrator (``clusterbridge token create`` or the
admin page), revoked by id (``clusterbridge token revoke`` or the admin page); the store is read
on every check, so a revocation holds from the next request on, without a restart. A token handed
out in a sign-in link is exchanged at its first use for a fresh one (:func:`exchange`), so that
the link is then useless.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from ..catalogue.catalogue import HOME_COUNTRY
from ..catalogue.profiles import Profile
from ..errors import InvalidInputError

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


class TokenStore(TokenSource, Protocol):
    """Where tokens are kept (the store): looked up, added, listed and revoked."""

    def add_token(self, record: TokenRecord) -> None: ...

    def tokens(self) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, at: str) -> bool: ...


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


def create(store: TokenStore, profile: Profile, created_at: str) -> tuple[str, TokenRecord]:
    """Issue and store a token for the German cluster ``profile``: the text to hand out once
    and its stored record. The one rule of the CLI's ``token create`` and the admin page."""
    if profile.country != HOME_COUNTRY:
        raise InvalidInputError(f"tokens are for German clusters; {profile.id!r} is in "
                                f"{profile.country}", field="cluster")
    token, record = issue(profile.id, created_at)
    store.add_token(record)
    return token, record


def revoke(store: TokenStore, token_id: str, at: str) -> TokenRecord:
    """Revoke the live token ``token_id``; its record as it was. The one rule of the CLI's
    ``token revoke`` and the admin page."""
    found = store.token(token_id)
    if found is None or not store.revoke_token(token_id, at):
        raise InvalidInputError(f"no live token with id {token_id!r}", field="id")
    return found


def exchange(store: TokenStore, token: str, cluster: str, at: str) -> tuple[str, TokenRecord]:
    """Use a sign-in link's token once: revoke it and issue ``cluster`` a fresh one (kept only
    in the manager's browser), so that the link signs nobody in again. Raises
    :class:`InvalidInputError` when ``token`` is not a live token of ``cluster``."""
    record = authenticate(store, token)
    if record is None or record.cluster != cluster:
        raise InvalidInputError("this sign-in link is not valid (already used or revoked)",
                                field="token")
    if not store.revoke_token(record.id, at):  # used at the same moment elsewhere
        raise InvalidInputError("this sign-in link is not valid (already used or revoked)",
                                field="token")
    fresh, fresh_record = issue(cluster, at)
    store.add_token(fresh_record)
    return fresh, fresh_record
