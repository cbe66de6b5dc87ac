"""Which profiles may be suggested or listed: the filters shared by matching and listing."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ..catalogue.catalogue import HOME_COUNTRY, Catalogue
from ..catalogue.geography import Geography
from ..catalogue.places import PlacesNamed
from ..catalogue.profiles import KINDS, Profile
from ..errors import InvalidInputError

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Filters:
    """Restrictions on candidates. Empty tuples mean no restriction.

    ``exclude_ids`` are left out whatever else holds: the candidates a cluster dismissed, as the
    caller (the service) read them from its store; ids not in the catalogue are ignored.
    ``seen_at_work`` keeps only profiles a source of the last
    :data:`~matcher.catalogue.profiles.FRESH_YEARS` years showed at work
    (:meth:`~matcher.catalogue.profiles.Profile.seen_at_work`, as of today).
    """

    countries: tuple[str, ...] = ()
    world_regions: tuple[str, ...] = ()
    continents: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    exclude_partners: bool = False
    exclude_co_members: bool = False
    include_home: bool = False
    exclude_ids: tuple[str, ...] = ()
    seen_at_work: bool = False


def cluster_page_filters(filters: Filters | None = None, *, dismissed: Collection[str] = (),
                         known: bool = False) -> Filters:
    """The rule of a cluster's own list of suggestions, as its page lists them and its alerts
    follow them: ``filters`` less the candidates it ``dismissed`` and, unless ``known``, less its
    known partners and network co-members (the page shows those in a section of their own)."""
    shown = replace(filters or Filters(), exclude_ids=tuple(sorted(dismissed)))
    return shown if known else replace(shown, exclude_partners=True, exclude_co_members=True)


def regions_as_places(filters: Filters, geography: Geography) -> Filters:
    """The pages' choice of places: a continent stands for its group of world regions
    (:meth:`~matcher.catalogue.geography.Geography.region_groups`), and a candidate passes when
    it is in any chosen continent or world region (the API's ``continent`` and ``world_region``
    must both hold). Unknown names are kept, for :func:`check_filters` to name."""
    if not filters.continents:
        return filters
    groups = dict(geography.region_groups())
    known = [c for c in filters.continents if c in groups]
    unknown = tuple(c for c in filters.continents if c not in groups)
    regions = dict.fromkeys([*filters.world_regions, *(r for c in known for r in groups[c])])
    return replace(filters, world_regions=tuple(regions), continents=unknown)


def passes(profile: Profile, filters: Filters, geography: Geography) -> bool:
    """Whether ``profile`` passes the country, region, continent, field, kind and
    seen-at-work filters."""
    return (
        (not filters.countries or profile.country in filters.countries)
        and (not filters.world_regions
             or geography.world_region(profile.country) in filters.world_regions)
        and (not filters.continents or geography.continent(profile.country) in filters.continents)
        and (not filters.fields or any(f in filters.fields for f in profile.fields))
        and (not filters.kinds or profile.kind in filters.kinds)
        and (not filters.seen_at_work or profile.seen_at_work(dt.date.today().year))
    )


def check_filters(catalogue: Catalogue, filters: Filters) -> None:
    """Raise :class:`InvalidInputError` naming the first unknown filter value and the closest."""
    geo = catalogue.reference.geography
    checks: list[tuple[str, str, tuple[str, ...], Sequence[str]]] = [
        ("countries", "country", filters.countries, list(geo.countries)),
        ("world_regions", "world region", filters.world_regions, geo.world_regions),
        ("continents", "continent", filters.continents, geo.continents),
        ("fields", "field", filters.fields, catalogue.reference.taxonomy.terms),
        ("kinds", "kind", filters.kinds, KINDS),
    ]
    for name, label, values, valid in checks:
        for value in values:
            if value not in valid:
                close = difflib.get_close_matches(value, list(valid), n=3, cutoff=0.0)
                raise InvalidInputError(f"unknown {label} {value!r}; closest: {', '.join(close)}",
                                        field=name)


class FilterIndex:
    """Per-profile arrays of a catalogue for vectorised candidate masks (row order = catalogue)."""

    def __init__(self, catalogue: Catalogue) -> None:
        geo = catalogue.reference.geography
        profiles = catalogue.profiles
        self.catalogue = catalogue
        self.position = {p.id: i for i, p in enumerate(profiles)}
        self.countries = np.asarray([p.country for p in profiles], dtype=object)
        # The same as small integers: comparing 10,000 Python strings took most of a mask.
        self.country_code = {c: i for i, c in enumerate(dict.fromkeys(p.country for p in profiles))}
        self.country_codes = np.asarray([self.country_code[p.country] for p in profiles],
                                        dtype=np.int32)
        self.regions = np.asarray([geo.world_region(p.country) for p in profiles], dtype=object)
        self.continents = np.asarray([geo.continent(p.country) for p in profiles], dtype=object)
        self.kinds = np.asarray([p.kind for p in profiles], dtype=object)
        self.fields = catalogue.reference.taxonomy.indicator([p.fields for p in profiles]) > 0
        self.active = np.asarray([p.ended is None for p in profiles], dtype=bool)

    def mask(self, query: Profile, filters: Filters) -> Mask:
        """(N,) True where a profile may be suggested for ``query``: it passes ``filters``, is
        still active (no ``ended``), not the query itself, not from its country unless
        ``include_home``, not a bilateral partner when ``exclude_partners`` and not a co-member
        of one of its networks when ``exclude_co_members`` (which also leaves out bilateral
        partners), not one of ``exclude_ids``, and seen at work recently when
        ``seen_at_work``."""
        keep = self.active.copy()
        if query.id in self.position:
            keep[self.position[query.id]] = False
        if not filters.include_home:
            keep &= self.country_codes != self.country_code.get(query.country, -1)
        for values, column in ((filters.countries, self.countries),
                               (filters.world_regions, self.regions),
                               (filters.continents, self.continents),
                               (filters.kinds, self.kinds)):
            if values:
                keep &= np.isin(column, list(values))
        if filters.fields:
            index = self.catalogue.reference.taxonomy.index
            keep &= self.fields[:, [index[f] for f in filters.fields]].any(axis=1)
        if filters.seen_at_work:
            year = dt.date.today().year
            profiles = self.catalogue.profiles
            keep &= np.fromiter((p.seen_at_work(year) for p in profiles), dtype=bool,
                                count=len(profiles))
        related: set[str] = set(filters.exclude_ids)
        if filters.exclude_partners or filters.exclude_co_members:
            related |= self.catalogue.partners_of(query.id)
        if filters.exclude_co_members:
            related |= self.catalogue.co_members_of(query.id)
        for other in related:
            if other in self.position:
                keep[self.position[other]] = False
        return keep


def in_places(index: FilterIndex, places: PlacesNamed) -> Mask:
    """(N,) True where a profile of ``index`` is in one of ``places`` (a country, world region
    or continent named); all False when none is named."""
    return (np.isin(index.countries, list(places.countries))
            | np.isin(index.regions, list(places.world_regions))
            | np.isin(index.continents, list(places.continents)))


def select_profiles(catalogue: Catalogue, filters: Filters, side: str | None = None,
                    query: str | None = None) -> list[Profile]:
    """Profiles passing ``filters``, on one side (``german``/``international``), that the search
    ``query`` finds (name, place, field and description words; see :mod:`matcher.search`),
    those matching by name first."""
    from ..catalogue.search import search_for

    check_filters(catalogue, filters)
    geo = catalogue.reference.geography
    selected = [
        p for p in catalogue.profiles
        if passes(p, filters, geo)
        and (side != "german" or p.country == HOME_COUNTRY)
        and (side != "international" or p.country != HOME_COUNTRY)
    ]
    return search_for(catalogue).search(query, selected) if query and query.strip() else selected
