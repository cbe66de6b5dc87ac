"""Countries, world regions and NUTS 2024 codes: where a profile is.

Reads the reference tables in ``data/reference/`` (country table derived from country-converter,
NUTS 2024 from Eurostat) and answers the questions the matcher and coverage ask: is this an ISO
country code, which UN M49 sub-region and continent is it in, does this NUTS code exist.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Country:
    iso2: str
    name: str
    continent: str
    world_region: str
    eu: bool


class Geography:
    """Country and NUTS lookups loaded from the reference tables."""

    def __init__(self, countries: dict[str, Country], nuts: dict[str, str]) -> None:
        self.countries = countries
        self.nuts = nuts

    @classmethod
    def load(cls, reference_dir: Path) -> Geography:
        countries: dict[str, Country] = {}
        with open(reference_dir / "countries.csv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                countries[row["iso2"]] = Country(
                    iso2=row["iso2"],
                    name=row["name"],
                    continent=row["continent"],
                    world_region=row["world_region"],
                    eu=row["eu"] == "1",
                )
        nuts: dict[str, str] = {}
        with open(reference_dir / "nuts2024.csv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                nuts[row["nuts_code"]] = row["nuts_label"]
        return cls(countries, nuts)

    def country(self, iso2: str) -> Country:
        return self.countries[iso2]

    def world_region(self, iso2: str) -> str:
        return self.countries[iso2].world_region

    def continent(self, iso2: str) -> str:
        return self.countries[iso2].continent

    @property
    def world_regions(self) -> list[str]:
        return sorted({c.world_region for c in self.countries.values()})

    @property
    def continents(self) -> list[str]:
        return sorted({c.continent for c in self.countries.values()})

    def region_groups(self) -> list[tuple[str, list[str]]]:
        """Continents with their world regions, each region under the continent most of its
        countries are in (a few UN M49 sub-regions straddle two), both sorted by name."""
        counts: dict[str, dict[str, int]] = {}
        for c in self.countries.values():
            per = counts.setdefault(c.world_region, {})
            per[c.continent] = per.get(c.continent, 0) + 1
        groups: dict[str, list[str]] = {}
        for region, per in sorted(counts.items()):
            home = max(sorted(per), key=lambda continent: per[continent])
            groups.setdefault(home, []).append(region)
        return sorted(groups.items())

    def nuts_country(self, code: str) -> str:
        """ISO country of a NUTS code (NUTS writes EL for Greece)."""
        prefix = code[:2]
        return "GR" if prefix == "EL" else prefix
