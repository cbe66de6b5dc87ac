"""Shareable links for ad-hoc queries: the profile a user typed, packed into one URL parameter.

The record (name, country, region, size, description, fields, offers, seeks) is JSON, compressed
with zlib and written in URL-safe base64, so a 4,000-character description still fits a link
and the page can be reloaded, shared, bookmarked or switched to another language without the
form being sent again. Nothing is stored on the server.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from .errors import APIError

#: The longest packed parameter accepted (a full form packs into far less).
MAX_PACKED = 16_000
#: The most bytes a link may unpack to.
MAX_UNPACKED = 64 * 1024
KEYS = ("name", "country", "region", "members", "description", "fields", "offers", "seeks")


def pack(record: dict[str, Any]) -> str:
    """The URL parameter for ``record`` (only the keys of :data:`KEYS`, empty values left out)."""
    body = {k: record[k] for k in KEYS if record.get(k) not in (None, "", [])}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode().rstrip("=")


#: Keys whose value is a list of texts; every other key holds one text (members: or a number).
LIST_KEYS = ("fields", "offers", "seeks")


def _text(value: object) -> bool:
    """Whether ``value`` is a string that can be written out as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def well_formed(record: dict[str, Any]) -> bool:
    """Whether every value of ``record`` has the type :func:`pack` gives it."""
    for key, value in record.items():
        if key in LIST_KEYS:
            if not isinstance(value, list) or not all(_text(v) for v in value):
                return False
        elif not (_text(value) or (key == "members" and type(value) is int)):
            return False
    return True


def unpack(packed: str, field: str = "p") -> dict[str, Any]:
    """The record of a URL parameter; a 422 naming ``field`` when it cannot be read."""
    if len(packed) > MAX_PACKED:
        raise APIError(422, f"{field}: the link is longer than {MAX_PACKED} characters",
                       {"field": field})
    unreadable = APIError(422, f"{field}: this link does not hold a cluster description",
                          {"field": field})
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)),
                                 MAX_UNPACKED)
        if inflate.unconsumed_tail:  # more than any form holds: not ours
            raise unreadable
        record = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        raise unreadable from None
    if not isinstance(record, dict) or set(record) - set(KEYS) or not well_formed(record):
        raise unreadable
    return record
