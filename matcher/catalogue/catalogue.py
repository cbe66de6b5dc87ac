"""The catalogue: every profile and known partnership, loaded and validated from files.

Layout of a catalogue directory::

    profiles/*.jsonl       one profile per line (any number of files, read in name order)
    partnerships.csv       bilateral ties: a,b,since,kind,source,note
    networks.csv           multi-party networks: id,name,kind,since,until,source
    network_members.csv    network,profile,since,source

The reference tables (taxonomy, countries, NUTS, relatedness) come from the project's ``data/``
directory, whichever catalogue is loaded, so that a test catalogue is checked by the same rules.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from ..config import PROJECT_DATA, MatcherConfig, Weights, default_data_dir
from ..errors import CatalogueError, ConfigError, Problem, ProfileValidationError, UnknownProfileError
from .chambers import Chambers
from .geography import Geography
from .profiles import MAX_ID, Profile, as_problems, parse_profile
from .relationships import Partnership, Relationships, SharedNetwork, read_relationships, write_relationships
from .taxonomy import Taxonomy

HOME_COUNTRY = "DE"
#: Ids compared exactly when looking for the closest ones (the rest only by a cheap bound).
HINT_SHORTLIST = 200


@dataclass(frozen=True)
class Reference:
    """The reference tables every catalogue is checked against, and the German chambers abroad
    that pages and reports name as a next step."""

    geography: Geography
    taxonomy: Taxonomy
    chambers: Chambers = dataclass_field(default_factory=Chambers)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Reference:
        """The tables in ``data_dir`` (default: the project's own ``data/``, whichever catalogue
        is in use)."""
        data_dir = data_dir or PROJECT_DATA
        geography = Geography.load(data_dir / "reference")
        return cls(geography, Taxonomy.load(data_dir), Chambers.load(data_dir, geography))


def organisation_key(name: str) -> str:
    """A normalised organisation name, for finding one organisation under two ids."""
    text = name.casefold()
    text = re.sub(r"\b(e\.\s?v\.|gmbh|inc|ltd|asbl|vzw|a\.s\.|z\.s\.)\b", " ", text)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


LEARNED_WEIGHTS_FILE = "learned_weights.json"


def canonical_json(row: Any) -> bytes:
    """``row`` as the data hash reads it: JSON with sorted keys, UTF-8."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False).encode()


def load_config(catalogue_dir: Path | None = None) -> MatcherConfig:
    """The matcher settings for a catalogue: the defaults, with the weights learned from its
    partnerships (``learned_weights.json``, written by ``clusterbridge evaluate --save-weights``)
    when the catalogue has them."""
    path = (catalogue_dir or default_data_dir()) / LEARNED_WEIGHTS_FILE
    if not path.exists():
        return MatcherConfig()
    try:
        learned = json.loads(path.read_text())
        return MatcherConfig(weights=Weights.from_dict(learned["weights"]),
                             standardise=bool(learned.get("standardise", False)))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a learned-weights file ({exc})") from None


class Catalogue:
    """Profiles by id, in id order, and the relationships between them."""

    def __init__(self, profiles: Sequence[Profile], relationships: Relationships,
                 reference: Reference) -> None:
        self.profiles = sorted(profiles, key=lambda p: p.id)
        self.relationships = relationships
        self.reference = reference
        self.by_id = {p.id: p for p in self.profiles}
        # Each profile's canonical JSON, once serialised: a catalogue derived by a write keeps
        # those of the unchanged profiles, so its data hash costs only the changed ones (10,000
        # profiles took 0.7 s to serialise).
        self._canonical: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, profile_id: object) -> bool:
        return profile_id in self.by_id

    def get(self, profile_id: str) -> Profile:
        try:
            return self.by_id[profile_id]
        except KeyError:
            # No id is longer than MAX_ID: nothing is close to such a text, and looking costs.
            closest = self.closest_ids(profile_id) if len(profile_id) <= MAX_ID else []
            raise UnknownProfileError(profile_id, closest) from None

    def closest_ids(self, text: str, n: int = 3) -> list[str]:
        """Up to ``n`` ids most like ``text`` by difflib's ratio, best first (a hint for a typo).

        Bounded in time for any input: ``text`` is cut to :data:`MAX_ID` characters, every id is
        ranked by difflib's linear upper bound of the ratio, and only the
        :data:`HINT_SHORTLIST` best by that bound are compared exactly (quadratic in length).
        """
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(text[:MAX_ID])

        def bound(candidate: str) -> float:
            matcher.set_seq1(candidate)
            return matcher.quick_ratio()

        def ratio(candidate: str) -> tuple[float, str]:
            matcher.set_seq1(candidate)
            return matcher.ratio(), candidate

        shortlist = heapq.nlargest(HINT_SHORTLIST, self.by_id, key=bound)
        return [c for _, c in heapq.nlargest(n, map(ratio, shortlist))]

    @property
    def partnerships(self) -> list[Partnership]:
        """The bilateral ties."""
        return self.relationships.partnerships

    def partners_of(self, profile_id: str) -> set[str]:
        """Profiles with a bilateral tie to ``profile_id``."""
        return self.relationships.partners_of(profile_id)

    def co_members_of(self, profile_id: str) -> set[str]:
        """Profiles sharing a network with ``profile_id``."""
        return self.relationships.co_members_of(profile_id)

    def shared_networks(self, a: str, b: str) -> list[SharedNetwork]:
        return self.relationships.shared_networks(a, b)

    def german(self) -> list[Profile]:
        return [p for p in self.profiles if p.country == HOME_COUNTRY]

    def german_partners(self) -> dict[str, list[str]]:
        """{profile id: the German profiles with a partnership with it (an affiliation is not
        one)}, ids sorted; profiles without one are left out."""
        out: dict[str, set[str]] = defaultdict(set)
        for link in self.relationships.labels():
            for one, other in ((link.a, link.b), (link.b, link.a)):
                partner = self.by_id.get(other)
                if one in self.by_id and partner is not None and partner.country == HOME_COUNTRY:
                    out[one].add(other)
        return {pid: sorted(ids) for pid, ids in out.items()}

    def international(self) -> list[Profile]:
        return [p for p in self.profiles if p.country != HOME_COUNTRY]

    def with_profile(self, profile: Profile) -> Catalogue:
        """A new catalogue with ``profile`` added or replacing the one with its id."""
        return self.with_profiles([profile])

    def with_profiles(self, profiles: Iterable[Profile]) -> Catalogue:
        """A new catalogue with ``profiles`` added or replacing those with their ids (in id
        order, as every catalogue)."""
        new = {p.id: p for p in profiles}
        others = [p for p in self.profiles if p.id not in new]
        derived = Catalogue([*others, *new.values()], self.relationships, self.reference)
        derived._canonical = {pid: b for pid, b in self._canonical.items() if pid not in new}
        return derived

    def with_relationships(self, relationships: Relationships) -> Catalogue:
        """The same profiles with other relationships (for example some of them hidden)."""
        derived = Catalogue(self.profiles, relationships, self.reference)
        derived._canonical = dict(self._canonical)
        return derived

    def _canonical_json(self, profile: Profile) -> bytes:
        found = self._canonical.get(profile.id)
        if found is None:
            found = self._canonical[profile.id] = canonical_json(profile.to_dict())
        return found

    def data_hash(self) -> str:
        """SHA-256 of the canonical JSON of every profile and relationship."""
        digest = hashlib.sha256()
        for profile in self.profiles:
            digest.update(self._canonical_json(profile))
            digest.update(b"\n")
        for table in self.relationships.rows():
            for row in table:
                digest.update(canonical_json(row))
                digest.update(b"\n")
        return digest.hexdigest()

    def stats(self) -> dict[str, Any]:
        geo = self.reference.geography
        german, international = self.german(), self.international()
        per_field: Counter[str] = Counter(f for p in self.profiles for f in p.fields)
        return {
            "profiles": len(self.profiles),
            "german_profiles": len(german),
            "international_profiles": len(international),
            "countries": len({p.country for p in self.profiles}),
            "continents": len({geo.continent(p.country) for p in self.profiles}),
            "world_regions": len({geo.world_region(p.country) for p in self.profiles}),
            **self.relationships.counts(),
            "profiles_per_country": dict(sorted(Counter(p.country for p in self.profiles).items())),
            "profiles_per_continent": dict(
                sorted(Counter(geo.continent(p.country) for p in self.profiles).items())
            ),
            "profiles_per_field": dict(sorted(per_field.items())),
        }


def _read_profiles(paths: Iterable[Path], reference: Reference,
                   require_sources: bool) -> tuple[list[Profile], list[Problem]]:
    profiles: list[Profile] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    names: dict[str, str] = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for row, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    problems.append(Problem(path.name, row, "record", f"invalid JSON: {exc.msg}"))
                    continue
                profile, pairs, _ = parse_profile(
                    record, reference.geography, reference.taxonomy, strict=True,
                    require_sources=require_sources,
                )
                problems.extend(as_problems(path.name, row, pairs))
                if profile is None:
                    continue
                where = f"{path.name}:{row}"
                if profile.id in seen:
                    problems.append(Problem(path.name, row, "id",
                                            f"duplicate id {profile.id!r} (first at {seen[profile.id]})"))
                    continue
                key = organisation_key(profile.name)
                if key in names:
                    problems.append(Problem(path.name, row, "name",
                                            f"same organisation as {names[key]!r} (normalised name {key!r})"))
                seen[profile.id] = where
                names[key] = profile.id
                profiles.append(profile)
    return profiles, problems


def load_catalogue(catalogue_dir: Path | None = None, reference: Reference | None = None, *,
                   require_sources: bool = True) -> Catalogue:
    """Load and validate a catalogue directory; raise :class:`CatalogueError` with every problem.

    ``require_sources=False`` accepts profiles without source URLs (profiles written through the
    service, as kept in a bundle's snapshot); the curated catalogue always requires them.
    """
    catalogue_dir = catalogue_dir or default_data_dir()
    reference = reference or Reference.load()
    files = sorted((catalogue_dir / "profiles").glob("*.jsonl"))
    if not files:
        raise CatalogueError([Problem(str(catalogue_dir), 0, "profiles",
                                      "no profiles/*.jsonl files found")])
    profiles, problems = _read_profiles(files, reference, require_sources)
    relationships, link_problems = read_relationships(catalogue_dir, {p.id for p in profiles})
    problems.extend(link_problems)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(profiles, relationships, reference)


def parse_query_profile(record: Any, reference: Reference) -> tuple[Profile, list[dict[str, Any]]]:
    """Validate an ad-hoc profile: only ``name``, ``country`` and ``description`` are required.

    Free-text field names are mapped to taxonomy terms, never rejected.

    Returns:
        The profile and the field mappings as ``{"given", "terms", "method"}`` objects.

    Raises:
        ProfileValidationError: naming the first field at fault.
    """
    profile, problems, mappings = parse_profile(record, reference.geography, reference.taxonomy,
                                                strict=False)
    if profile is None:
        field, message = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ProfileValidationError(f"{field}: {message}{more}", field=field)
    return profile, [
        {"given": m.given, "terms": list(m.terms), "method": m.method} for m in mappings
    ]


def write_catalogue(catalogue: Catalogue, directory: Path) -> None:
    """Write a catalogue in the ``data/`` format: profiles/catalogue.jsonl and the relationship
    tables."""
    (directory / "profiles").mkdir(parents=True, exist_ok=True)
    with open(directory / "profiles" / "catalogue.jsonl", "w", encoding="utf-8") as f:
        for p in catalogue.profiles:
            f.write(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=False) + "\n")
    write_relationships(catalogue.relationships, directory)
