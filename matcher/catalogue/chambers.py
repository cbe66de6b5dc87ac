"""The German chambers of commerce abroad (AHK): who arranges an introduction in a country.

Where no contact route of a suggested partner is known, the pages and reports name the AHK office
that covers the partner's country, a next step a German cluster can take (AHKs arrange business
contacts). Read from ``data/chambers.csv``: one row per covered country, each citing the page that
shows the office's website (and, for a country served from a neighbouring office, that it covers
the country).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CatalogueError, Problem
from .geography import Geography
from .profiles import Profile

CHAMBERS_FILE = "chambers.csv"
COLUMNS = ("country", "name", "website", "source", "note")


@dataclass(frozen=True)
class Chamber:
    """The AHK office that covers one country."""

    country: str
    name: str
    website: str
    source: str
    note: str = ""


class Chambers:
    """AHK offices by the ISO code of the country they cover."""

    def __init__(self, chambers: Iterable[Chamber] = ()) -> None:
        self.by_country = {c.country: c for c in chambers}

    def __len__(self) -> int:
        return len(self.by_country)

    def covering(self, country: str) -> Chamber | None:
        """The office covering ``country``, or ``None`` where none is recorded."""
        return self.by_country.get(country)

    def introduction_for(self, profile: Profile) -> Chamber | None:
        """The office to name beside ``profile``: the one covering its country, unless a contact
        route of its own is known or it has ended (pages and reports both ask here)."""
        return None if profile.contact or profile.ended else self.covering(profile.country)

    @classmethod
    def load(cls, data_dir: Path, geography: Geography) -> Chambers:
        """``data_dir/chambers.csv`` checked against ``geography``; no file, no chambers. Every
        problem (an unknown country, a country twice, a website or source that is not a web
        address, a missing name) is raised at once, with its line."""
        path = data_dir / CHAMBERS_FILE
        if not path.exists():
            return cls()
        problems: list[Problem] = []
        chambers: list[Chamber] = []
        seen: set[str] = set()
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise CatalogueError([Problem(CHAMBERS_FILE, 1, "header",
                                              f"expected columns {','.join(COLUMNS)}")])
            for line, row in enumerate(reader, start=2):
                def problem(field: str, message: str, line: int = line) -> None:
                    problems.append(Problem(CHAMBERS_FILE, line, field, message))

                country = (row["country"] or "").strip()
                if country not in geography.countries or not country:
                    problem("country", f"unknown ISO country code {country!r}")
                elif country in seen:
                    problem("country", f"{country} is covered twice")
                seen.add(country)
                if not (row["name"] or "").strip():
                    problem("name", "missing")
                for field in ("website", "source"):
                    if not (row[field] or "").startswith(("https://", "http://")):
                        problem(field, f"not a web address: {row[field]!r}")
                chambers.append(Chamber(country, row["name"].strip(), row["website"],
                                        row["source"], (row["note"] or "").strip()))
        if problems:
            raise CatalogueError(problems)
        return cls(chambers)
