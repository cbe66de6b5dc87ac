"""Places named in free text: the continents, world regions and countries an ad-hoc query asks
for ("Partner in Asien", "partners in North America", "un partenaire au Japon").

Names are the CLDR names (through :mod:`babel`, as :func:`~matcher.catalogue.languages.country_name`
and :func:`~matcher.catalogue.languages.region_name` give them) of the catalogue's countries,
world regions (UN M49 sub-regions) and continents in English and in the text's own language
(German or French, by :func:`~matcher.catalogue.languages.detect`; the other languages' names are
left out so that the English "island" is never the German "Island", Iceland), plus a few common
short forms (:data:`ALIASES`). A name is found as whole words, case-insensitively, the longest
first ("South Korea" before "Korea", "Nordamerika" before "Amerika"). Nothing here says whether
the text *wishes* for a place or only mentions one; the caller decides what a named place means
(the matcher prefers candidates there, :mod:`matcher.engine.ranking`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .geography import Geography
from .languages import country_name, detect, region_name

#: Short forms CLDR does not give, by language: name -> ("country" | "world_region" |
#: "continent", the catalogue's value).
ALIASES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"USA": ("country", "US"), "U.S.": ("country", "US"), "UK": ("country", "GB"),
           "Great Britain": ("country", "GB"), "Korea": ("country", "KR"),
           "Latin America": ("world_region", "South America"),
           "Southeast Asia": ("world_region", "South-eastern Asia"),
           "South East Asia": ("world_region", "South-eastern Asia"),
           "East Asia": ("world_region", "Eastern Asia")},
    "de": {"USA": ("country", "US"), "Großbritannien": ("country", "GB"),
           "Korea": ("country", "KR"), "Lateinamerika": ("world_region", "South America"),
           "Südostasien": ("world_region", "South-eastern Asia"),
           "Amerika": ("continent", "North America")},
    "fr": {"USA": ("country", "US"), "Grande-Bretagne": ("country", "GB"),
           "Corée": ("country", "KR"), "Amérique latine": ("world_region", "South America"),
           "Asie du Sud-Est": ("world_region", "South-eastern Asia")},
}


@dataclass(frozen=True)
class PlacesNamed:
    """Places a text names, each tuple in order of first mention, no repeats."""

    continents: tuple[str, ...] = ()
    world_regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.continents or self.world_regions or self.countries)

    def covers(self, country: str, geography: Geography) -> bool:
        """Whether a profile in ``country`` (ISO alpha-2) is in one of the places."""
        return (country in self.countries
                or geography.world_region(country) in self.world_regions
                or geography.continent(country) in self.continents)

    def without(self, country: str) -> PlacesNamed:
        """The places less ``country`` (a query's own country is where it is, not a wish)."""
        return PlacesNamed(self.continents, self.world_regions,
                           tuple(c for c in self.countries if c != country))


@lru_cache(maxsize=16)
def _pattern(geography: Geography, lang: str) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    names: dict[str, tuple[str, str]] = {}
    for language in dict.fromkeys(("en", lang)):
        for code in geography.countries:
            names.setdefault(country_name(code, language, geography.countries[code].name)
                             .casefold(), ("country", code))
        for region in geography.world_regions:
            names.setdefault(region_name(region, language).casefold(), ("world_region", region))
        for continent in geography.continents:  # a continent wins over a region of its name
            names[region_name(continent, language).casefold()] = ("continent", continent)
        for alias, place in ALIASES.get(language, {}).items():
            names.setdefault(alias.casefold(), place)
    ordered = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in ordered) + r")(?![\w-])")
    return pattern, names


def places_named(text: str, geography: Geography, lang: str | None = None) -> PlacesNamed:
    """The continents, world regions and countries ``text`` names, in English or its language
    (``lang``, else detected)."""
    pattern, names = _pattern(geography, lang or detect(text))
    found: dict[str, dict[str, None]] = {"continent": {}, "world_region": {}, "country": {}}
    for match in pattern.finditer(text.casefold()):
        kind, value = names[match.group(1)]
        found[kind].setdefault(value, None)
    return PlacesNamed(tuple(found["continent"]), tuple(found["world_region"]),
                       tuple(found["country"]))
