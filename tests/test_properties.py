"""Property tests (hypothesis) for profile validation, scoring and filters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import (
    COMPONENTS,
    ClusterBridgeError,
    Filters,
    Matcher,
    ProfileValidationError,
    Reference,
    parse_query_profile,
)
from matcher.catalogue.profiles import KINDS, ROLES
from matcher.engine.filters import passes

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10),
                                                                        children, max_size=4),
    max_leaves=12,
)
KEYS = ["id", "name", "kind", "country", "region", "nuts", "fields", "description", "offers",
        "seeks", "roles", "size", "website", "sources", "lat", "lon", "colour"]


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=10) | json_values)
def test_invalid_input_raises_our_error_only(record: object) -> None:
    reference = Reference.load()
    try:
        parse_query_profile(record, reference)
    except ProfileValidationError as exc:
        assert exc.field
    # any other exception fails the test


def valid_profiles(reference: Reference) -> st.SearchStrategy[dict[str, object]]:
    words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=40).filter(
        lambda s: s.strip())
    return st.fixed_dictionaries(
        {"name": words, "country": st.sampled_from(["DE", "FR", "JP", "US", "BR", "ZA"]),
         "description": words},
        optional={
            "fields": st.lists(st.sampled_from(reference.taxonomy.terms) | words, max_size=4),
            "offers": st.lists(words, max_size=4),
            "seeks": st.lists(words, max_size=4),
            "roles": st.lists(st.sampled_from(ROLES), max_size=4, unique=True),
            "kind": st.sampled_from(KINDS),
            "size": st.fixed_dictionaries({"members": st.none() | st.integers(0, 10**6)}),
        },
    )


@SETTINGS
@given(data=st.data())
def test_any_accepted_profile_gets_finite_scores_in_range(hashing_matcher: Matcher, data) -> None:  # type: ignore[no-untyped-def]
    reference = hashing_matcher.catalogue.reference
    record = data.draw(valid_profiles(reference))
    try:
        profile, _ = parse_query_profile(record, reference)
    except ProfileValidationError:
        return
    result = hashing_matcher.match(profile, top=20, filters=Filters(include_home=True))
    for m in result.matches:
        assert np.isfinite(m.score) and 0.0 <= m.score <= 1.0
        for name in COMPONENTS:
            assert 0.0 <= m.explanation.components[name] <= 1.0


def test_complementarity_is_symmetric(hashing_matcher: Matcher) -> None:
    cat = hashing_matcher.catalogue
    rows = np.arange(len(cat.profiles))
    matrix = np.zeros((len(rows), len(rows)))
    for i, p in enumerate(cat.profiles):
        _, comps = hashing_matcher.score(p, rows, hashing_matcher._query_arrays(p))
        matrix[i] = comps["complementarity"]
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-5)


@SETTINGS
@given(data=st.data())
def test_filters_never_let_an_excluded_profile_through(hashing_matcher: Matcher, data) -> None:  # type: ignore[no-untyped-def]
    cat = hashing_matcher.catalogue
    geo = cat.reference.geography
    present = sorted({p.country for p in cat.profiles})
    filters = Filters(
        countries=tuple(data.draw(st.lists(st.sampled_from(present), max_size=3, unique=True))),
        world_regions=tuple(data.draw(st.lists(st.sampled_from(sorted(
            {geo.world_region(c) for c in present})), max_size=2, unique=True))),
        continents=tuple(data.draw(st.lists(st.sampled_from(geo.continents), max_size=2,
                                            unique=True))),
        fields=tuple(data.draw(st.lists(st.sampled_from(sorted(
            {f for p in cat.profiles for f in p.fields})), max_size=2, unique=True))),
        kinds=tuple(data.draw(st.lists(st.sampled_from(KINDS), max_size=2, unique=True))),
        exclude_partners=data.draw(st.booleans()),
        include_home=data.draw(st.booleans()),
        seen_at_work=data.draw(st.booleans()),
    )
    query = data.draw(st.sampled_from(cat.profiles))
    partners = cat.partners_of(query.id)
    result = hashing_matcher.match(query, top=20, filters=filters,
                                   diversity=data.draw(st.booleans()))
    for m in result.matches:
        p = cat.by_id[m.id]
        assert passes(p, filters, geo)
        assert p.id != query.id
        assert filters.include_home or p.country != query.country
        assert not (filters.exclude_partners and p.id in partners)
    expected = [p.id for p in cat.profiles if passes(p, filters, geo) and p.id != query.id
                and (filters.include_home or p.country != query.country)
                and not (filters.exclude_partners and p.id in partners)]
    mask = hashing_matcher.filter_index.mask(query, filters)
    assert [p.id for p, keep in zip(cat.profiles, mask, strict=True) if keep] == expected


@SETTINGS
@given(top=st.integers(-5, 200), country=st.text(max_size=4))
def test_bad_match_arguments_raise_our_error(hashing_matcher: Matcher, top: int, country: str) -> None:
    """A bad ``top`` or an unknown country raises our error naming the field; anything else
    gives a result."""
    known = country in hashing_matcher.catalogue.reference.geography.countries
    good_top = 1 <= top <= hashing_matcher.config.max_top
    filters = Filters(countries=(country,))
    if good_top and known:
        assert len(hashing_matcher.match("de-aero", top=top, filters=filters).matches) <= top
        return
    with pytest.raises(ClusterBridgeError) as raised:
        hashing_matcher.match("de-aero", top=top, filters=filters)
    assert getattr(raised.value, "field", None) == ("top" if not good_top else "countries")
