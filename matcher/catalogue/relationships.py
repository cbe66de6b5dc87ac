"""Relationships between profiles as data: bilateral ties and multi-party networks.

A bilateral tie (an agreement, a memorandum, a joint project, a standing exchange, or an
affiliation where one organisation runs or is part of the other) links two named organisations.
A network (a strategic cluster partnership, an alliance, a multi-party agreement, a project
consortium, a national network) has members; two members of one network are co-members, which is
a weaker and different relationship than a tie between the two. Profile texts never carry
relationships: they live here, so that an evaluation can hide all of a query's relationships.

Files of a catalogue directory::

    partnerships.csv      a,b,since,kind,source,note   (source: one or more URLs, space-separated)
    networks.csv          id,name,kind,since,until,source
    network_members.csv   network,profile,since,source
"""

from __future__ import annotations

import csv
import difflib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem
from .profiles import ID_RE, URL_RE, as_problems, outdated

#: Kinds of bilateral ties.
BILATERAL_KINDS: tuple[str, ...] = ("agreement", "memorandum", "joint project", "exchange", "affiliation")
#: Bilateral kinds that are partnerships, the labels of the evaluation; an affiliation (one
#: organisation runs, hosts or is part of the other) is a tie but not a partnership to predict.
PARTNERSHIP_KINDS: tuple[str, ...] = ("agreement", "memorandum", "joint project", "exchange")
NETWORK_KINDS: tuple[str, ...] = (
    "strategic cluster partnership",
    "alliance",
    "multi-party agreement",
    "project consortium",
    "national network",
)
PARTNERSHIP_COLUMNS = ("a", "b", "since", "kind", "source", "note", "confirmed")
NETWORK_COLUMNS = ("id", "name", "kind", "since", "until", "source")
MEMBER_COLUMNS = ("network", "profile", "since", "source")


@dataclass(frozen=True)
class Partnership:
    """A bilateral tie between two profiles, as its sources state it."""

    a: str
    b: str
    since: int | None
    kind: str
    source: str
    note: str = ""
    #: The year of the newest source seen showing the cooperation still going (a renewal, a
    #: joint activity under it), when later than ``since``; None when none was found.
    confirmed: int | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.source.split())

    def unconfirmed(self, year: int) -> bool:
        """Whether, in ``year``, the tie's newest dated source (its start, or a later
        confirmation) is more than :data:`~.profiles.FRESH_YEARS` years old: it may have lapsed
        (an undated tie is not judged)."""
        return outdated(self.confirmed or self.since, year)

    def other(self, profile_id: str) -> str:
        return self.b if profile_id == self.a else self.a

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Network:
    """A multi-party network of profiles."""

    id: str
    name: str
    kind: str
    since: int | None
    until: int | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Membership:
    network: str
    profile: str
    since: int | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SharedNetwork:
    """A network two profiles both belong to; ``since`` is when both were members (the later
    of their two years), None when a source gives no year."""

    id: str
    name: str
    kind: str
    since: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _year(value: Any, name: str, problems: list[tuple[str, str]]) -> int | None:
    raw = str(value or "").strip()
    if not raw:
        return None
    if raw.isdigit() and 1950 <= int(raw) <= 2100:
        return int(raw)
    problems.append((name, f"{raw!r} is not a year"))
    return None


def _id(value: Any, name: str, problems: list[tuple[str, str]]) -> str:
    text = str(value or "").strip()
    if not ID_RE.match(text):
        problems.append((name, f"{text!r} is not an id"))
    return text


def _sources(value: Any, problems: list[tuple[str, str]], *, required: bool = True) -> str:
    urls = str(value or "").split()
    if required and not urls:
        problems.append(("source", "must be an http(s) URL"))
    for url in urls:
        if not URL_RE.match(url):
            problems.append(("source", f"{url!r} is not an http(s) URL"))
    return " ".join(urls)


def _kind(value: Any, kinds: Sequence[str], problems: list[tuple[str, str]]) -> str:
    kind = str(value or "").strip()
    if kind not in kinds:
        problems.append(("kind", f"{kind!r} is not one of: {', '.join(kinds)}"))
    return kind


def parse_partnership(row: Mapping[str, Any]) -> tuple[Partnership | None, list[tuple[str, str]]]:
    """Validate one bilateral row (ids are checked against the catalogue by the caller)."""
    problems: list[tuple[str, str]] = []
    a, b = _id(row.get("a"), "a", problems), _id(row.get("b"), "b", problems)
    if a and a == b:
        problems.append(("b", "a partnership needs two different profiles"))
    since = _year(row.get("since"), "since", problems)
    kind = _kind(row.get("kind"), BILATERAL_KINDS, problems)
    source = _sources(row.get("source"), problems)
    confirmed = _year(row.get("confirmed"), "confirmed", problems)
    if confirmed is not None and since is not None and confirmed <= since:
        problems.append(("confirmed", f"{confirmed} is not later than since ({since})"))
    if problems:
        return None, problems
    return Partnership(a, b, since, kind, source, str(row.get("note") or "").strip(),
                       confirmed), []


def parse_network(row: Mapping[str, Any]) -> tuple[Network | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    network_id = _id(row.get("id"), "id", problems)
    name = str(row.get("name") or "").strip()
    if not name:
        problems.append(("name", "is required"))
    kind = _kind(row.get("kind"), NETWORK_KINDS, problems)
    since = _year(row.get("since"), "since", problems)
    until = _year(row.get("until"), "until", problems)
    if since and until and until < since:
        problems.append(("until", f"{until} is before since {since}"))
    source = _sources(row.get("source"), problems)
    if problems:
        return None, problems
    return Network(network_id, name, kind, since, until, source), []


def parse_membership(row: Mapping[str, Any]) -> tuple[Membership | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    network = _id(row.get("network"), "network", problems)
    profile = _id(row.get("profile"), "profile", problems)
    since = _year(row.get("since"), "since", problems)
    source = _sources(row.get("source"), problems)
    if problems:
        return None, problems
    return Membership(network, profile, since, source), []


class Relationships:
    """The bilateral ties, networks and network memberships of a catalogue."""

    def __init__(self, partnerships: Iterable[Partnership] = (), networks: Iterable[Network] = (),
                 memberships: Iterable[Membership] = ()) -> None:
        self.partnerships = sorted(partnerships, key=lambda x: (x.a, x.b))
        self.networks = {n.id: n for n in sorted(networks, key=lambda n: n.id)}
        self.memberships = sorted(memberships, key=lambda m: (m.network, m.profile))
        self._ties: dict[str, dict[str, Partnership]] = defaultdict(dict)
        for link in self.partnerships:
            self._ties[link.a][link.b] = link
            self._ties[link.b][link.a] = link
        self._members: dict[str, dict[str, Membership]] = defaultdict(dict)
        self._of: dict[str, list[Membership]] = defaultdict(list)
        for m in self.memberships:
            self._members[m.network][m.profile] = m
            self._of[m.profile].append(m)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Relationships) and (
            (self.partnerships, list(self.networks.values()), self.memberships)
            == (other.partnerships, list(other.networks.values()), other.memberships))

    __hash__ = None  # type: ignore[assignment]

    # --- bilateral --------------------------------------------------------------------------
    def partners_of(self, profile_id: str) -> set[str]:
        """Every profile with a bilateral tie to ``profile_id`` (affiliations included)."""
        return set(self._ties.get(profile_id, {}))

    def tie(self, a: str, b: str) -> Partnership | None:
        return self._ties.get(a, {}).get(b)

    def labels(self) -> list[Partnership]:
        """The bilateral ties that are partnerships (the evaluation's labels)."""
        return [x for x in self.partnerships if x.kind in PARTNERSHIP_KINDS]

    # --- networks -------------------------------------------------------------------------
    def networks_of(self, profile_id: str) -> list[Network]:
        return [self.networks[m.network] for m in self._of.get(profile_id, [])]

    def members_of(self, network_id: str) -> list[str]:
        return sorted(self._members.get(network_id, {}))

    def shared_networks(self, a: str, b: str) -> list[SharedNetwork]:
        """The networks ``a`` and ``b`` both belong to, oldest first."""
        out = []
        for m in self._of.get(a, []):
            other = self._members[m.network].get(b)
            if other is None:
                continue
            years = [y for y in (m.since, other.since) if y is not None]
            net = self.networks[m.network]
            out.append(SharedNetwork(net.id, net.name, net.kind, max(years) if years else None))
        return sorted(out, key=lambda s: (s.since or 9999, s.id))

    def co_members_of(self, profile_id: str) -> set[str]:
        """Every profile sharing a network with ``profile_id``."""
        out = {p for m in self._of.get(profile_id, []) for p in self._members[m.network]}
        out.discard(profile_id)
        return out

    def related_to(self, profile_id: str) -> set[str]:
        """Bilateral partners and co-members."""
        return self.partners_of(profile_id) | self.co_members_of(profile_id)

    # --- derived sets ----------------------------------------------------------------------
    def without(self, profile_ids: Collection[str]) -> Relationships:
        """The same relationships less every one that involves ``profile_ids``: their bilateral
        ties and their network memberships (the networks themselves stay)."""
        drop = set(profile_ids)
        return Relationships(
            [x for x in self.partnerships if x.a not in drop and x.b not in drop],
            self.networks.values(),
            [m for m in self.memberships if m.profile not in drop],
        )

    def restricted_to(self, profile_ids: Collection[str]) -> Relationships:
        """Only the relationships among ``profile_ids``."""
        keep = set(profile_ids)
        return Relationships(
            [x for x in self.partnerships if x.a in keep and x.b in keep],
            self.networks.values(),
            [m for m in self.memberships if m.profile in keep],
        )

    def degree(self, profile_id: str) -> int:
        """How many profiles ``profile_id`` is related to (partners and co-members)."""
        return len(self.related_to(profile_id))

    def rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """The three tables as rows in file order (for hashing and writing)."""
        return ([x.to_dict() for x in self.partnerships],
                [n.to_dict() for n in self.networks.values()],
                [m.to_dict() for m in self.memberships])

    def counts(self) -> dict[str, int]:
        return {"partnerships": len(self.partnerships), "networks": len(self.networks),
                "network_memberships": len(self.memberships)}


def read_csv_rows(path: Path, columns: Sequence[str], required: Sequence[str],
                  ) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The rows of a catalogue table with their line numbers, or the header's problem (a required
    column missing, a column not in ``columns``); a missing file is an empty table."""
    if not path.exists():
        return [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = set(required) - set(reader.fieldnames or [])
        if missing:
            return [], [Problem(path.name, 1, "header", f"missing column(s) {sorted(missing)}")]
        unknown = set(reader.fieldnames or []) - set(columns)
        if unknown:
            return [], [Problem(path.name, 1, "header", f"unknown column(s) {sorted(unknown)}")]
        return list(enumerate(reader, start=2)), []


def _unknown(file: str, row: int, field: str, value: str, known: Collection[str], what: str) -> Problem:
    closest = ", ".join(difflib.get_close_matches(value, list(known), n=3, cutoff=0.0))
    return Problem(file, row, field, f"unknown {what} {value!r}; closest: {closest}")


def read_relationships(directory: Path, ids: Collection[str]) -> tuple[Relationships, list[Problem]]:
    """Read and validate the three tables of ``directory`` (missing files are empty tables).

    Every id must be one of ``ids``; a pair may appear once in ``partnerships.csv``, a profile
    once per network.
    """
    problems: list[Problem] = []
    links: list[Partnership] = []
    pairs: dict[frozenset[str], int] = {}
    name = "partnerships.csv"
    rows, header = read_csv_rows(directory / name, PARTNERSHIP_COLUMNS, PARTNERSHIP_COLUMNS[:5])
    problems.extend(header)
    for n, row in rows:
        link, found = parse_partnership(row)
        problems.extend(as_problems(name, n, found))
        if link is None:
            continue
        for key in ("a", "b"):
            if getattr(link, key) not in ids:
                problems.append(_unknown(name, n, key, getattr(link, key), ids, "profile id"))
        pair = frozenset((link.a, link.b))
        if pair in pairs:
            problems.append(Problem(name, n, "b", f"duplicate pair (first at row {pairs[pair]})"))
            continue
        pairs[pair] = n
        links.append(link)

    networks: dict[str, Network] = {}
    name = "networks.csv"
    rows, header = read_csv_rows(directory / name, NETWORK_COLUMNS, NETWORK_COLUMNS)
    problems.extend(header)
    for n, row in rows:
        network, found = parse_network(row)
        problems.extend(as_problems(name, n, found))
        if network is None:
            continue
        if network.id in networks:
            problems.append(Problem(name, n, "id", f"duplicate network {network.id!r}"))
        elif network.id in ids:
            problems.append(Problem(name, n, "id", f"{network.id!r} is also a profile id"))
        networks[network.id] = network

    members: dict[tuple[str, str], Membership] = {}
    name = "network_members.csv"
    rows, header = read_csv_rows(directory / name, MEMBER_COLUMNS, MEMBER_COLUMNS)
    problems.extend(header)
    for n, row in rows:
        member, found = parse_membership(row)
        problems.extend(as_problems(name, n, found))
        if member is None:
            continue
        if member.network not in networks:
            problems.append(_unknown(name, n, "network", member.network, networks, "network"))
        if member.profile not in ids:
            problems.append(_unknown(name, n, "profile", member.profile, ids, "profile id"))
        member_key = (member.network, member.profile)
        if member_key in members:
            problems.append(Problem(name, n, "profile", "duplicate membership"))
        members[member_key] = member
    return Relationships(links, networks.values(), members.values()), problems


def write_relationships(relationships: Relationships, directory: Path) -> None:
    """Write the three tables into ``directory`` in the catalogue format."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = zip(("partnerships.csv", "networks.csv", "network_members.csv"),
                 (PARTNERSHIP_COLUMNS, NETWORK_COLUMNS, MEMBER_COLUMNS),
                 relationships.rows(), strict=True)
    for name, columns, rows in tables:
        with open(directory / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if row[k] is None else row[k] for k in columns})
