"""Known-answer tests of the ranking on the hand-written catalogue (hashing embedder)."""

import numpy as np
import pytest

from matcher import COMPONENTS, Filters, InvalidInputError, Matcher, UnknownProfileError
from matcher.engine.ranking import mmr_select


def ids(matcher: Matcher, query: str, **kwargs: object) -> list[str]:
    return [m.id for m in matcher.match(query, **kwargs).matches]  # type: ignore[arg-type]


def test_mutual_fit_beats_one_sided_fit(hashing_matcher: Matcher) -> None:
    result = hashing_matcher.match("de-aero", top=5, diversity=False)
    by_id = {m.id: m for m in result.matches}
    mutual, one_sided = by_id["ca-aero-mutual"], by_id["fr-aero-oneside"]
    assert mutual.score > one_sided.score
    assert (mutual.explanation.components["complementarity"]
            > one_sided.explanation.components["complementarity"])
    assert result.matches[0].id == "ca-aero-mutual"


def test_home_country_is_excluded_unless_asked(hashing_matcher: Matcher) -> None:
    assert "de-aero-home" not in ids(hashing_matcher, "de-aero", top=20)
    assert "de-aero-home" in ids(hashing_matcher, "de-aero", top=20,
                                 filters=Filters(include_home=True))


def test_query_itself_is_never_suggested(hashing_matcher: Matcher) -> None:
    assert "de-aero" not in ids(hashing_matcher, "de-aero", top=20,
                                filters=Filters(include_home=True))


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (Filters(countries=("JP",)), {"jp-photonics-1", "jp-photonics-2", "jp-photonics-3",
                                      "jp-photonics-4"}),
        (Filters(world_regions=("Eastern Asia",)), {"jp-photonics-1", "jp-photonics-2",
                                                    "jp-photonics-3", "jp-photonics-4",
                                                    "kr-photonics"}),
        (Filters(continents=("Africa",)), {"za-med"}),
        (Filters(fields=("Biotechnology",)), {"in-pharma"}),
        (Filters(kinds=("network",)), {"za-med"}),
    ],
)
def test_filters_hold_exactly(hashing_matcher: Matcher, filters: Filters, allowed: set[str]) -> None:
    assert set(ids(hashing_matcher, "de-photonics", top=20, filters=filters)) == allowed


def test_exclude_partners_removes_known_partner_and_says_so_otherwise(hashing_matcher: Matcher) -> None:
    result = hashing_matcher.match("de-photonics", top=20)
    flagged = [m.id for m in result.matches if m.explanation.existing_partner]
    assert flagged == ["us-photonics"]
    assert "us-photonics" not in ids(hashing_matcher, "de-photonics", top=20,
                                     filters=Filters(exclude_partners=True))


def test_diversity_changes_the_top_k(hashing_matcher: Matcher) -> None:
    plain = hashing_matcher.match("de-photonics", top=3, diversity=False).matches
    diverse = hashing_matcher.match("de-photonics", top=3, diversity=True).matches
    assert {m.country for m in plain} == {"JP"}
    assert len({m.country for m in diverse}) >= 2
    assert [m.id for m in plain] != [m.id for m in diverse]


def test_every_match_is_explained(hashing_matcher: Matcher) -> None:
    for m in hashing_matcher.match("de-aero", top=5).matches:
        e = m.explanation
        assert set(e.components) == set(COMPONENTS)
        assert all(0.0 <= v <= 1.0 for v in e.components.values())
        assert e.summary
        assert 0.0 <= m.score <= 1.0


def test_unknown_id_names_the_closest(hashing_matcher: Matcher) -> None:
    with pytest.raises(UnknownProfileError) as info:
        hashing_matcher.match("de-aerx")
    assert "de-aero" in info.value.closest


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (Filters(countries=("XX",)), "countries"),
        (Filters(fields=("Photonix",)), "fields"),
        (Filters(world_regions=("Eastern Asai",)), "world_regions"),
        (Filters(kinds=("club",)), "kinds"),
    ],
)
def test_unknown_filter_values_are_named(hashing_matcher: Matcher, filters: Filters, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        hashing_matcher.match("de-aero", filters=filters)
    assert info.value.field == field
    assert "closest" in str(info.value)


@pytest.mark.parametrize("top", [0, -1, 101])
def test_top_out_of_range_is_rejected(hashing_matcher: Matcher, top: int) -> None:
    with pytest.raises(InvalidInputError):
        hashing_matcher.match("de-aero", top=top)


def test_mmr_with_lambda_one_is_plain_ranking() -> None:
    scores = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    vecs = np.eye(3, dtype=np.float32)
    assert mmr_select(scores, vecs, ["A", "A", "B"], 3, lam=1.0, country_weight=0.5,
                      max_per_country=0) == [0, 1, 2]


def test_mmr_country_cap_spreads_countries() -> None:
    scores = np.array([0.9, 0.89, 0.88, 0.5], dtype=np.float32)
    vecs = np.eye(4, dtype=np.float32)
    assert mmr_select(scores, vecs, ["A", "A", "A", "B"], 2, lam=0.9, country_weight=0.5,
                      max_per_country=1) == [0, 3]


def test_shortlist_path_agrees_with_scoring_everything(hashing_matcher: Matcher) -> None:
    from dataclasses import replace

    small = Matcher(hashing_matcher.bundle, replace(hashing_matcher.config, shortlist=3),
                    hashing_matcher.embedder)
    full = hashing_matcher.match("de-photonics", top=3, diversity=False)
    short = small.match("de-photonics", top=3, diversity=False)
    assert [m.id for m in short.matches] == [m.id for m in full.matches]


def test_several_profiles_at_once_equal_one_at_a_time(hashing_matcher: Matcher) -> None:
    from dataclasses import replace

    catalogue = hashing_matcher.catalogue
    first = replace(catalogue.get("kr-photonics"), description="Laser optics, now with sensors.")
    second = replace(catalogue.get("us-photonics"), id="us-photonics-2", name="Second Photonics")
    together = hashing_matcher.with_profiles([first, second, catalogue.get("de-aero")])
    apart = hashing_matcher.with_profile(first).with_profile(second)
    assert hashing_matcher.with_profiles([catalogue.get("de-aero")]) is hashing_matcher
    assert [p.id for p in together.catalogue.profiles] == [p.id for p in apart.catalogue.profiles]
    for query in ("de-photonics", "de-aero"):
        a, b = together.match(query, top=10), apart.match(query, top=10)
        assert [(m.id, round(m.score, 9)) for m in a.matches] == \
            [(m.id, round(m.score, 9)) for m in b.matches]


def test_a_new_matcher_keeps_the_other_rows_and_hashes_as_a_fresh_catalogue(
        hashing_matcher: Matcher) -> None:
    """After a write, the lexical rows are the old ones for unchanged profiles and freshly
    computed for changed ones, and the data hash (serialised once per profile) is that of a
    catalogue built from new profile objects."""
    from dataclasses import replace

    from matcher.catalogue import Catalogue
    from matcher.engine.lexical import profile_words

    catalogue = hashing_matcher.catalogue
    first = replace(catalogue.get("kr-photonics"), description="Laser optics, now with sensors.")
    second = replace(catalogue.get("us-photonics"), id="us-photonics-2", name="Second Photonics")
    updated = hashing_matcher.with_profiles([first, second])
    lexical = hashing_matcher.bundle.lexical
    for profile in updated.catalogue.profiles:
        got = updated.lexical_rows[updated.row[profile.id]]
        if profile.id in (first.id, second.id):
            expected = lexical.transform([profile_words(profile)])
        else:
            expected = hashing_matcher.lexical_rows[hashing_matcher.row[profile.id]]
        assert got.shape == expected.shape and (got != expected).nnz == 0, profile.id
    fresh = Catalogue([replace(p) for p in updated.catalogue.profiles],
                      updated.catalogue.relationships, updated.catalogue.reference)
    assert updated.bundle.manifest["data_hash"] == fresh.data_hash()
    assert fresh.data_hash() != catalogue.data_hash()


def test_hide_relationships_of_scores_a_fresh_text_as_the_evaluation_scores_the_profile(
        hashing_matcher: Matcher) -> None:
    """A description of de-aero under another id, with de-aero's relationships hidden, ranks as
    de-aero itself does (the same pool and candidates), never suggests de-aero, and no
    explanation mentions its ties; its own partner stays a candidate."""
    from dataclasses import replace

    own = hashing_matcher.catalogue.get("de-aero")
    fresh = replace(own, id="fresh-aero")
    hidden = hashing_matcher.match(fresh, top=10, diversity=False, hide_relationships_of="de-aero")
    itself = hashing_matcher.match("de-aero", top=10, diversity=False)
    assert hidden.query.id == "fresh-aero"
    assert [(m.id, m.score) for m in hidden.matches] == [(m.id, m.score) for m in itself.matches]
    assert "de-aero" not in {m.id for m in hidden.matches}
    assert "fr-aero-oneside" in {m.id for m in hidden.matches}  # its partner, not filtered out
    assert not any(m.explanation.existing_partner or m.explanation.shared_networks
                   for m in hidden.matches)
    assert any(m.explanation.existing_partner for m in itself.matches)
    home = Filters(include_home=True)
    plain = hashing_matcher.match(fresh, top=10, diversity=False, filters=home)
    assert "de-aero" in {m.id for m in plain.matches}  # without hiding, the original leaks in
    assert "de-aero" not in {m.id for m in hashing_matcher.match(
        fresh, top=10, diversity=False, filters=home, hide_relationships_of="de-aero").matches}
    with pytest.raises(InvalidInputError) as raised:
        hashing_matcher.match(fresh, hide_relationships_of="de-aeroo")
    assert raised.value.field == "hide_relationships_of" and "de-aero" in str(raised.value)


def test_match_to_dict_equals_the_generic_conversion(hashing_matcher: Matcher) -> None:
    """The hand-written ``Match.to_dict`` (a fast path) against ``dataclasses.asdict`` (the
    oracle): the same keys in the same order and the same values, so the same JSON."""
    import json
    from dataclasses import asdict

    for scope in ("all", "cross_field"):
        for m in hashing_matcher.match("de-aero", top=10, scope=scope).matches:
            oracle = asdict(m)
            del oracle["standing"]
            oracle["fields"] = list(m.fields)
            assert json.dumps(m.to_dict()) == json.dumps(oracle)


def test_kept_components_give_the_answers_of_a_fresh_matcher(hashing_matcher: Matcher) -> None:
    """The cluster page's two lists: the second reuses the components of the first (the fast
    path); a fresh matcher computing each list alone is the oracle."""
    m = hashing_matcher
    for query in ("de-aero", "de-photonics"):
        first = m.match(query, top=10)
        second = m.match(query, top=10, scope="cross_field")
        for scope, got in (("all", first), ("cross_field", second)):
            fresh = Matcher(m.bundle, m.config, embedder=m.embedder)
            assert fresh.match(query, top=10, scope=scope).to_dict() == got.to_dict()
