"""The catalogue: every profile and known partnership, loaded and validated from files.

Layout of a catalogue directory::

    profiles/*.jsonl     one profile per line (any number of files, read in name order)
    partnerships.csv     a,b,since,kind,source[,note]

The reference tables (taxonomy, countries, NUTS, relatedness) come from the project's ``data/``
directory, whichever catalogue is loaded, so that a test catalogue is checked by the same rules.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import MatcherConfig, Weights
from .errors import CatalogueError, ConfigError, Problem, ProfileValidationError, UnknownProfileError
from .geography import Geography
from .profiles import Partnership, Profile, as_problems, parse_partnership, parse_profile
from .taxonomy import Taxonomy

HOME_COUNTRY = "DE"


PROJECT_DATA = Path(__file__).resolve().parents[1] / "data"


def default_data_dir() -> Path:
    """The catalogue: ``$CLUSTERBRIDGE_DATA_DIR``, else the ``data/`` directory of this tree."""
    env = os.environ.get("CLUSTERBRIDGE_DATA_DIR")
    return Path(env) if env else PROJECT_DATA


@dataclass(frozen=True)
class Reference:
    """The reference tables every catalogue is checked against."""

    geography: Geography
    taxonomy: Taxonomy

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Reference:
        """The tables in ``data_dir`` (default: the project's own ``data/``, whichever catalogue
        is in use)."""
        data_dir = data_dir or PROJECT_DATA
        return cls(Geography.load(data_dir / "reference"), Taxonomy.load(data_dir))


def organisation_key(name: str) -> str:
    """A normalised organisation name, for finding one organisation under two ids."""
    text = name.casefold()
    text = re.sub(r"\b(e\.\s?v\.|gmbh|inc|ltd|asbl|vzw|a\.s\.|z\.s\.)\b", " ", text)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


LEARNED_WEIGHTS_FILE = "learned_weights.json"


def load_config(catalogue_dir: Path | None = None) -> MatcherConfig:
    """The matcher settings for a catalogue: the defaults, with the weights learned from its
    partnerships (``learned_weights.json``, written by ``clusterbridge evaluate --save-weights``)
    when the catalogue has them."""
    path = (catalogue_dir or default_data_dir()) / LEARNED_WEIGHTS_FILE
    if not path.exists():
        return MatcherConfig()
    try:
        learned = json.loads(path.read_text())
        return MatcherConfig(weights=Weights.from_dict(learned["weights"]))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a learned-weights file ({exc})") from None


class Catalogue:
    """Profiles by id, in id order, and the partnerships between them."""

    def __init__(self, profiles: Sequence[Profile], partnerships: Sequence[Partnership],
                 reference: Reference) -> None:
        self.profiles = sorted(profiles, key=lambda p: p.id)
        self.partnerships = list(partnerships)
        self.reference = reference
        self.by_id = {p.id: p for p in self.profiles}
        self._partners: dict[str, set[str]] = defaultdict(set)
        for link in self.partnerships:
            self._partners[link.a].add(link.b)
            self._partners[link.b].add(link.a)

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, profile_id: object) -> bool:
        return profile_id in self.by_id

    def get(self, profile_id: str) -> Profile:
        try:
            return self.by_id[profile_id]
        except KeyError:
            raise UnknownProfileError(profile_id, self.closest_ids(profile_id)) from None

    def closest_ids(self, text: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(text, list(self.by_id), n=n, cutoff=0.0)

    def partners_of(self, profile_id: str) -> set[str]:
        return set(self._partners.get(profile_id, ()))

    def german(self) -> list[Profile]:
        return [p for p in self.profiles if p.country == HOME_COUNTRY]

    def international(self) -> list[Profile]:
        return [p for p in self.profiles if p.country != HOME_COUNTRY]

    def with_profile(self, profile: Profile) -> Catalogue:
        """A new catalogue with ``profile`` added or replacing the one with its id."""
        others = [p for p in self.profiles if p.id != profile.id]
        return Catalogue([*others, profile], self.partnerships, self.reference)

    def data_hash(self) -> str:
        """SHA-256 of the canonical JSON of every profile and partnership."""
        digest = hashlib.sha256()
        for p in self.profiles:
            digest.update(json.dumps(p.to_dict(), sort_keys=True, ensure_ascii=False).encode())
            digest.update(b"\n")
        for link in sorted(self.partnerships, key=lambda x: (x.a, x.b, x.kind, x.source)):
            digest.update(json.dumps(link.to_dict(), sort_keys=True).encode())
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
            "partnerships": len(self.partnerships),
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


def _read_partnerships(path: Path, ids: set[str]) -> tuple[list[Partnership], list[Problem]]:
    links: list[Partnership] = []
    problems: list[Problem] = []
    if not path.exists():
        return links, problems
    seen: set[tuple[str, str, str]] = set()
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"a", "b", "since", "kind", "source"} - set(reader.fieldnames or [])
        if missing:
            return [], [Problem(path.name, 1, "header", f"missing column(s) {sorted(missing)}")]
        for row_no, row in enumerate(reader, start=2):
            link, pairs = parse_partnership(row)
            problems.extend(as_problems(path.name, row_no, pairs))
            if link is None:
                continue
            for name, value in (("a", link.a), ("b", link.b)):
                if value not in ids:
                    closest = ", ".join(difflib.get_close_matches(value, list(ids), n=3, cutoff=0.0))
                    problems.append(Problem(path.name, row_no, name,
                                            f"unknown profile id {value!r}; closest: {closest}"))
            key = (min(link.a, link.b), max(link.a, link.b), link.kind)
            if key in seen:
                problems.append(Problem(path.name, row_no, "b", "duplicate partnership"))
            seen.add(key)
            links.append(link)
    return links, problems


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
    links, link_problems = _read_partnerships(catalogue_dir / "partnerships.csv",
                                              {p.id for p in profiles})
    problems.extend(link_problems)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(profiles, links, reference)


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
