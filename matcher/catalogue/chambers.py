"""The German chambers of commerce abroad (AHK): who arranges an introduction in a country.

Where no contact route of a suggested partner is known, the pages and reports name the AHK office
that covers the partner's country, a next step a German cluster can take (AHKs arrange business
contacts). Read from ``data/chambers.csv``: one row per covered country, each citing the page that
shows the office's website (and, for a country served from a neighbouring office, that it covers
the country), and where one is recorded the office's English name with the page that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CatalogueError
from .geography import Geography
from .profiles import URL_RE, Profile, as_problems
from .relationships import read_csv_rows

CHAMBERS_FILE = "chambers.csv"
COLUMNS = ("country", "name", "website", "source", "note", "name_en", "name_en_source")
#: The columns every table has; a table without the English names is still read.
REQUIRED = COLUMNS[:5]


@dataclass(frozen=True)
class Chamber:
    """The AHK office that covers one country."""

    country: str
    name: str
    website: str
    source: str
    note: str = ""
    name_en: str = ""
    name_en_source: str = ""

    def name_in(self, lang: str) -> str:
        """The office's name for readers of ``lang``: the short German name it uses at home for
        German readers, the English name it gives itself for all others where one is recorded
        (pages, reports and their PDFs all ask here)."""
        return self.name_en if lang != "de" and self.name_en else self.name


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
        problem (a column missing from :data:`REQUIRED` or not in :data:`COLUMNS`, an unknown
        country, a country twice, a website or source that is not a web address, a missing name,
        an English name without the page that shows it) is raised at once, with its line."""
        rows, problems = read_csv_rows(data_dir / CHAMBERS_FILE, COLUMNS, REQUIRED)
        chambers: list[Chamber] = []
        for line, row in rows:
            chamber = Chamber(*((row.get(c) or "").strip() for c in COLUMNS))
            pairs = []
            if not chamber.country or chamber.country not in geography.countries:
                pairs.append(("country", f"unknown ISO country code {chamber.country!r}"))
            elif any(c.country == chamber.country for c in chambers):
                pairs.append(("country", f"{chamber.country} is covered twice"))
            if not chamber.name:
                pairs.append(("name", "missing"))
            for field in ("website", "source") + (("name_en_source",) if chamber.name_en else ()):
                if not URL_RE.match(getattr(chamber, field)):
                    pairs.append((field, f"not a web address: {getattr(chamber, field)!r}"))
            if chamber.name_en_source and not chamber.name_en:
                pairs.append(("name_en", "missing where name_en_source is given"))
            problems += as_problems(CHAMBERS_FILE, line, pairs)
            chambers.append(chamber)
        if problems:
            raise CatalogueError(problems)
        return cls(chambers)
