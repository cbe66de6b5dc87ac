"""Cluster profiles: the domain record, and its validation.

A profile is what a cluster says of itself (fields, offers, seeks, roles, size), with where it is
and where each fact comes from. Validation collects every problem of a record instead of stopping
at the first, so that a catalogue author can fix a file in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import Problem
from .geography import Geography
from .taxonomy import Taxonomy, TermMapping

KINDS: tuple[str, ...] = (
    "cluster organisation",
    "network",
    "innovation region",
    "research campus",
    "technology park",
    "agency",
    "research institution",
)
ROLES: tuple[str, ...] = (
    "research",
    "development",
    "production",
    "application",
    "testing",
    "services",
    "education",
    "funding",
)
SIZE_KEYS: tuple[str, ...] = ("members", "smes", "research_institutions")
ID_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z: no trailing newline either
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
#: Longest accepted free text, in characters (descriptions; phrases are shorter).
MAX_TEXT = 4000
MAX_PHRASE = 300
MAX_ITEMS = 30
#: Longest possible id: a longer one is refused at once, whatever is asked of it.
MAX_ID = 120
#: Code points no text may hold: C0 and C1 control characters, lone surrogates and the
#: non-characters U+FFFE and U+FFFF. None can be written to an XLSX sheet (XML), and a lone
#: surrogate not even to UTF-8 (a JSON response, a CSV file).
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: Tabs and line breaks: allowed in a description, not in a one-line text (a name, a list item).
LINE_BREAKS = re.compile("[\t\n\r]")
#: A newest dated source more than this many years old no longer shows that an organisation is
#: at work, or that a cooperation is still going: the profile or tie is "not confirmed since".
FRESH_YEARS = 5


def outdated(newest: int | None, year: int) -> bool:
    """Whether, in ``year``, a record whose newest dated source is of ``newest`` is more than
    :data:`FRESH_YEARS` years old (an undated record is not judged)."""
    return newest is not None and newest < year - FRESH_YEARS


@dataclass(frozen=True)
class Profile:
    """One cluster, network, innovation region, research campus or technology park."""

    id: str
    name: str
    country: str
    description: str
    kind: str = "cluster organisation"
    region: str = ""
    nuts: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    fields: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    size: Mapping[str, int | None] = field(default_factory=dict)
    website: str | None = None
    contact: str | None = None
    sources: tuple[str, ...] = ()
    updated: str | None = None
    checked: str | None = None
    #: The year the organisation stopped working under this profile (wound up, or merged into
    #: another), as a source says; it is then never suggested. None while it is active.
    ended: int | None = None
    #: Who carries on its work (a name, as a source gives it), for a profile that ``ended``.
    successor: str | None = None
    #: The year of the newest source seen that shows the organisation at work (its own news, an
    #: event, a project or a report of that year), its URL among the sources; None when none
    #: was looked for or found.
    confirmed: int | None = None

    @property
    def contact_elsewhere(self) -> str | None:
        """The host of the contact route when it is not on the organisation's own site (its
        profile on a partnering platform, say), so that a reader knows where the link leads;
        None for a contact page on its own site (or a subdomain of it) or no contact at all."""
        if not self.contact:
            return None
        host = _host(self.contact)
        own = _host(self.website) if self.website else ""
        if own and (host == own or host.endswith("." + own) or own.endswith("." + host)):
            return None
        return host

    def unconfirmed(self, year: int) -> bool:
        """Whether, in ``year``, the newest source showing the organisation at work is more
        than :data:`FRESH_YEARS` years old (a profile without one is not judged)."""
        return outdated(self.confirmed, year)

    def seen_at_work(self, year: int) -> bool:
        """Whether, in ``year``, a source of the last :data:`FRESH_YEARS` years showed the
        organisation at work."""
        return self.confirmed is not None and not outdated(self.confirmed, year)

    @property
    def members(self) -> int | None:
        return self.size.get("members")

    def text(self) -> str:
        """The text embedded for thematic similarity: fields and description."""
        fields_part = f"Fields: {', '.join(self.fields)}. " if self.fields else ""
        return f"{fields_part}{self.description}".strip()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("fields", "offers", "seeks", "roles", "sources"):
            out[key] = list(out[key])
        out["size"] = {k: self.size.get(k) for k in SIZE_KEYS}
        return out


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be kept as text (:data:`NOT_TEXT`; :data:`LINE_BREAKS` unless
    ``multiline``), or None. The message names the code point, never the character itself."""
    found = NOT_TEXT.search(value) or (None if multiline else LINE_BREAKS.search(value))
    if found is None:
        return None
    kind = "line break or tab" if LINE_BREAKS.match(found.group()) else \
        "control character, lone surrogate or non-character"
    return f"must not contain a {kind} (U+{ord(found.group()):04X} at position {found.start()})"


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a canonical id, or None. Never stripped: " formula-1" is another
    id, not a spelling of "formula-1"."""
    if len(value) > MAX_ID:
        return f"is longer than {MAX_ID} characters"
    if not ID_RE.match(value):
        return "must be a slug: lower-case letters, digits and single hyphens, nothing around them"
    return None


def scrub(value: str, *, multiline: bool = False, replacement: str = " ") -> str:
    """``value`` with every character that :func:`text_problem` refuses replaced."""
    value = NOT_TEXT.sub(replacement, value)
    return value if multiline else LINE_BREAKS.sub(replacement, value)


def scrub_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with every refused character of its texts replaced by a space: for records
    stored before such characters were refused (the description keeps its line breaks)."""

    def clean(key: str, value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value, multiline=key == "description")
        if isinstance(value, list):
            return [clean(key, v) for v in value]
        return value

    return {key: clean(key, value) for key, value in record.items()}


def _text(value: Any, name: str, problems: list[tuple[str, str]], *, required: bool,
          limit: int = MAX_TEXT, multiline: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append((name, "is required and must not be empty"))
        return ""
    if not isinstance(value, str):
        problems.append((name, f"must be a string, got {type(value).__name__}"))
        return ""
    if len(value) > limit:
        problems.append((name, f"is longer than {limit} characters"))
    problem = text_problem(value, multiline=multiline)
    if problem:
        problems.append((name, problem))
    return value.strip()


def _phrases(value: Any, name: str, problems: list[tuple[str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append((name, "must be a list of strings"))
        return ()
    if len(value) > MAX_ITEMS:
        problems.append((name, f"has more than {MAX_ITEMS} items"))
    out = []
    for i, item in enumerate(value):
        if len(item) > MAX_PHRASE:
            problems.append((f"{name}[{i}]", f"is longer than {MAX_PHRASE} characters"))
        problem = text_problem(item)
        if problem:
            problems.append((f"{name}[{i}]", problem))
        if item.strip():
            out.append(item.strip())
    return tuple(out)


def _optional_float(value: Any, name: str, lo: float, hi: float,
                    problems: list[tuple[str, str]]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        problems.append((name, f"must be a number within [{lo}, {hi}]"))
        return None
    return float(value)


def _url(value: Any, name: str, problems: list[tuple[str, str]]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not URL_RE.match(value):
        problems.append((name, "must be an http(s) URL"))
        return None
    problem = text_problem(value)
    if problem:
        problems.append((name, problem))
        return None
    return value


def _host(url: str) -> str:
    """The host of ``url`` in lower case, without a port or a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _year(value: Any, name: str, problems: list[tuple[str, str]]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 1800 <= value <= dt.date.today().year:
        problems.append((name, "must be a year, not in the future, or null"))
        return None
    return value


def _date(value: Any, name: str, problems: list[tuple[str, str]]) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        problems.append((name, "must be a date YYYY-MM-DD"))
        return None


def parse_profile(
    record: Mapping[str, Any],
    geography: Geography,
    taxonomy: Taxonomy,
    *,
    strict: bool,
    require_sources: bool | None = None,
) -> tuple[Profile | None, list[tuple[str, str]], list[TermMapping]]:
    """Validate one profile record.

    Args:
        record: the decoded JSON object.
        geography, taxonomy: reference tables.
        strict: catalogue mode. Every field must be a taxonomy term, ``sources`` must be
            non-empty and ``id`` is required. Ad-hoc mode (``strict=False``) needs only
            ``name``, ``country`` and ``description``, maps free-text fields to terms and
            derives an id from the name when none is given.
        require_sources: whether ``sources`` must be non-empty (default: ``strict``).

    Returns:
        ``(profile or None, problems as (field, message) pairs, field mappings)``.
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(record, Mapping):
        return None, [("record", "must be a JSON object")], []
    known = {
        "id", "name", "kind", "country", "region", "nuts", "city", "lat", "lon", "fields",
        "description", "offers", "seeks", "roles", "size", "website", "contact", "sources",
        "updated", "checked", "ended", "successor", "confirmed",
    }
    for key in record:
        if key not in known:
            problems.append((str(key) or "record",
                             f"unknown field {key!r}; known fields: {', '.join(sorted(known))}"))

    name = _text(record.get("name"), "name", problems, required=True, limit=MAX_PHRASE)
    raw_id = record.get("id")
    if raw_id is None and not strict:
        raw_id = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "query"
    profile_id = ""
    if raw_id is None or raw_id == "":
        problems.append(("id", "is required and must not be empty"))
    elif not isinstance(raw_id, str):
        problems.append(("id", f"must be a string, got {type(raw_id).__name__}"))
    elif problem := id_problem(raw_id):
        problems.append(("id", problem))
    else:
        profile_id = raw_id

    kind = record.get("kind") or "cluster organisation"
    if kind not in KINDS:
        problems.append(("kind", f"must be one of: {', '.join(KINDS)}"))

    country = _text(record.get("country"), "country", problems, required=True, limit=2)
    if country and country not in geography.countries:
        problems.append(("country", f"{country!r} is not an ISO 3166-1 alpha-2 code"))

    nuts = record.get("nuts")
    if nuts is not None:
        if not isinstance(nuts, str) or nuts not in geography.nuts:
            problems.append(("nuts", f"{nuts!r} is not a NUTS 2024 code"))
        elif country and geography.nuts_country(nuts) != country:
            problems.append(("nuts", f"{nuts!r} is not in country {country!r}"))

    description = _text(record.get("description"), "description", problems, required=True,
                        multiline=True)
    mappings: list[TermMapping] = []
    field_terms: list[str] = []
    raw_fields = record.get("fields") or []
    if not isinstance(raw_fields, list) or not all(isinstance(v, str) for v in raw_fields):
        problems.append(("fields", "must be a list of strings"))
        raw_fields = []
    for i, given in enumerate(raw_fields):
        problem = text_problem(given)
        if problem:
            problems.append((f"fields[{i}]", problem))
        elif given in taxonomy:
            field_terms.append(given)
        elif strict:
            closest = ", ".join(taxonomy.closest(given))
            problems.append((f"fields[{i}]", f"{given!r} is not a taxonomy term; closest: {closest}"))
        else:
            mapping = taxonomy.map_free_text(given)
            mappings.append(mapping)
            field_terms.extend(mapping.terms)
    fields_ = tuple(dict.fromkeys(field_terms))
    if strict and not fields_:
        problems.append(("fields", "at least one taxonomy term is required"))

    roles = _phrases(record.get("roles"), "roles", problems)
    for role in roles:
        if role not in ROLES:
            problems.append(("roles", f"{role!r} is not a role; roles: {', '.join(ROLES)}"))

    size: dict[str, int | None] = {k: None for k in SIZE_KEYS}
    raw_size = record.get("size") or {}
    if not isinstance(raw_size, Mapping):
        problems.append(("size", "must be an object"))
        raw_size = {}
    for key, value in raw_size.items():
        if key not in SIZE_KEYS:
            problems.append((f"size.{key}", f"unknown; known: {', '.join(SIZE_KEYS)}"))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**7
        ):
            problems.append((f"size.{key}", "must be a whole number >= 0 or null"))
        else:
            size[key] = value

    website = _url(record.get("website"), "website", problems)
    contact = _url(record.get("contact"), "contact", problems)
    sources = _phrases(record.get("sources"), "sources", problems)
    for src in sources:
        if not URL_RE.match(src):
            problems.append(("sources", f"{src!r} is not an http(s) URL"))
    if (strict if require_sources is None else require_sources) and not sources:
        problems.append(("sources", "at least one source URL is required"))

    updated = _date(record.get("updated"), "updated", problems)
    # Empty until someone has actually compared the record with its sources.
    checked = _date(record.get("checked"), "checked", problems)
    ended = _year(record.get("ended"), "ended", problems)
    confirmed = _year(record.get("confirmed"), "confirmed", problems)
    if confirmed is not None and ended is not None and confirmed > ended:
        problems.append(("confirmed", f"{confirmed} is after the year it ended ({ended})"))
    successor = _text(record.get("successor"), "successor", problems, required=False,
                      limit=MAX_PHRASE) or None
    if successor and record.get("ended") is None:
        problems.append(("successor", "is only given for a profile that ended (set ended)"))

    if problems:
        return None, problems, mappings
    profile = Profile(
        id=profile_id,
        name=name,
        kind=kind,
        country=country,
        region=_text(record.get("region"), "region", problems, required=False, limit=MAX_PHRASE),
        nuts=nuts,
        city=_text(record.get("city"), "city", problems, required=False, limit=MAX_PHRASE) or None,
        lat=_optional_float(record.get("lat"), "lat", -90, 90, problems),
        lon=_optional_float(record.get("lon"), "lon", -180, 180, problems),
        fields=fields_,
        description=description,
        offers=_phrases(record.get("offers"), "offers", problems),
        seeks=_phrases(record.get("seeks"), "seeks", problems),
        roles=roles,
        size=size,
        website=website,
        contact=contact,
        sources=sources,
        updated=updated,
        checked=checked,
        ended=ended,
        successor=successor,
        confirmed=confirmed,
    )
    if problems:
        return None, problems, mappings
    return profile, [], mappings


def as_problems(file: str, row: int, pairs: list[tuple[str, str]]) -> list[Problem]:
    return [Problem(file, row, f, m) for f, m in pairs]
