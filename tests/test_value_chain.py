"""The "beyond your field" list: field links on hand-made arrays, and the list on the hand-written
catalogue (hashing embedder), with partnerships added where a test needs them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import InvalidInputError, Matcher, Partnership, Relationships, messages
from matcher.engine.explanation import Pair, value_chain, value_chain_reason
from matcher.engine.value_chain import (
    FieldLink,
    cross_field_score,
    eligible,
    field_cooccurrence,
    link_strength,
    proximity,
    shares_field,
    value_chain_link,
)

F = np.float32


def test_cooccurrence_counts_each_partnership_once_per_pair_of_fields() -> None:
    # fields 0, 1, 2; partnership 0: {0} - {1}; 1: {0, 1} - {1}; 2: {2} - {2}
    a = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    b = np.array([[0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    counts, totals = field_cooccurrence(a, b)
    assert counts.tolist() == [[0, 2, 0], [2, 1, 0], [0, 0, 1]]
    assert totals.tolist() == [2, 2, 1]
    # a partnership with both fields on both sides joins (0, 1) once, not twice
    both = np.array([[1, 1, 0]], dtype=bool)
    assert field_cooccurrence(both, both)[0][0, 1] == 1


def test_proximity_divides_by_the_larger_total() -> None:
    counts = np.array([[0, 2], [2, 0]], dtype=np.int64)
    assert proximity(counts, np.array([4, 2], dtype=np.int64)).tolist() == [[0.0, 0.5], [0.5, 0.0]]
    assert proximity(counts * 0, np.zeros(2, dtype=np.int64)).tolist() == [[0, 0], [0, 0]]


def test_link_strength_needs_relatedness_or_enough_partnerships() -> None:
    phi = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.3], [0.2, 0.3, 1.0]], dtype=F)
    counts = np.array([[5, 0, 2], [0, 5, 1], [2, 1, 5]], dtype=np.int64)
    totals = np.array([4, 4, 4], dtype=np.int64)
    s = link_strength(phi, counts, totals, min_relatedness=0.5, min_partnerships=2)
    assert np.diag(s).tolist() == [0, 0, 0]
    assert s[0, 1] == pytest.approx(0.8)  # related by phi
    assert s[0, 2] == pytest.approx(0.5)  # 2 partnerships of 4: proximity 0.5
    assert s[1, 2] == 0  # phi 0.3 and one partnership: not linked
    assert np.allclose(s, s.T)


def test_link_is_mean_over_the_candidates_fields_and_shared_fields_count_zero() -> None:
    strength = np.array([[0, 0.8, 0.4], [0.8, 0, 0], [0.4, 0, 0]], dtype=F)
    query = np.array([1, 0, 0], dtype=F)
    cands = np.array([[0, 1, 0], [0, 1, 1], [1, 1, 0], [1, 0, 0]], dtype=F)
    assert value_chain_link(query, cands, strength).tolist() == pytest.approx([0.8, 0.6, 0.4, 0.0])
    assert value_chain_link(np.zeros(3, dtype=F), cands, strength).tolist() == [0, 0, 0, 0]


def test_strict_means_no_shared_field() -> None:
    query = np.array([1, 0, 0], dtype=F)
    cands = np.array([[0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=F)
    link = np.array([0.8, 0.4, 0.0], dtype=F)
    assert shares_field(query, cands).tolist() == [False, True, False]
    assert eligible(query, cands, link, strict=True).tolist() == [True, False, False]
    assert eligible(query, cands, link, strict=False).tolist() == [True, True, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=5, max_size=5),
       st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=1, max_size=8),
       st.floats(0.0, 1.0))
def test_strict_eligibility_never_admits_a_shared_field(query: list[bool], cands: list[list[bool]],
                                                        threshold: float) -> None:
    rng = np.random.default_rng(len(cands))
    phi = rng.random((5, 5)).astype(F)
    strength = link_strength((phi + phi.T) / 2, np.zeros((5, 5), dtype=np.int64),
                             np.zeros(5, dtype=np.int64), min_relatedness=threshold,
                             min_partnerships=1)
    q, c = np.asarray(query, dtype=F), np.asarray(cands, dtype=F)
    ok = eligible(q, c, value_chain_link(q, c, strength), strict=True)
    assert not (ok & ((c @ q) > 0)).any()


def test_cross_field_score_weighs_fit_and_link() -> None:
    pool_fit = np.array([0.1, 0.2, 0.3, 0.4], dtype=F)
    pool_link = np.array([0.0, 0.5, 0.5, 1.0], dtype=F)
    fit = np.array([0.4, 0.1, 0.25], dtype=F)
    link = np.array([0.5, 0.5, 0.5], dtype=F)
    scores = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25, standardised=True)
    assert scores[0] > scores[2] > scores[1]
    assert scores[2] == pytest.approx(0.5)  # average fit and average link
    raw = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25, standardised=False)
    assert raw.tolist() == pytest.approx([0.425, 0.2, 0.3125])


def test_cross_field_score_holds_a_typical_fit_against_a_candidate() -> None:
    pool_fit = np.array([0.1, 0.2, 0.3, 0.4], dtype=F)
    pool_link = np.array([0.0, 0.5, 0.5, 1.0], dtype=F)
    fit, link = np.array([0.3, 0.25], dtype=F), np.array([0.5, 0.5], dtype=F)
    typical = np.array([0.6, 0.2], dtype=F)  # the first suits every query
    pool_typical = np.array([0.2, 0.3, 0.4, 0.5], dtype=F)
    plain = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25, standardised=True)
    held = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25, standardised=True,
                             typical=typical, pool_typical=pool_typical, typical_weight=0.5)
    assert plain[0] > plain[1] and held[1] > held[0]  # the better fit loses for being typical
    assert held[1] > plain[1] and held[0] < plain[0]
    unweighted = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25,
                                   standardised=True, typical=typical, typical_weight=0.0)
    assert unweighted.tolist() == plain.tolist()
    raw = cross_field_score(fit, link, pool_fit, pool_link, link_weight=0.25, standardised=False,
                            typical=typical, typical_weight=0.5)
    assert raw.tolist() == pytest.approx([0.35 - 0.3, 0.3125 - 0.1])


def test_value_chain_sentence_uses_the_fields_and_the_profiles_phrases() -> None:
    link = FieldLink("Organic and Printed Electronics", "Renewable Energy", 0.72, 3)
    pair = Pair("organic semiconductor suppliers", "printed solar-film production", 0.61)
    text = messages.sentence(value_chain_reason(link, pair, they_offer=True))
    assert text.startswith("Value-chain link from their Renewable Energy to our Organic and "
                           "Printed Electronics: their offer “printed solar-film production” "
                           "answers our need for “organic semiconductor suppliers”.")
    assert "relatedness 0.72" in text and "3 known partnerships of others join them" in text
    reverse = value_chain([link], [], [pair])
    assert not reverse.they_offer and reverse.pair == pair
    assert "our offer “printed solar-film production” answers their need" in reverse.sentence
    assert value_chain([link], [], []).sentence.startswith(
        "Value-chain link: their Renewable Energy is linked to our Organic and Printed Electronics.")


# --- the list on the hand-written catalogue -----------------------------------------------------
def with_partnerships(matcher: Matcher, extra: list[tuple[str, str]], **config: object) -> Matcher:
    """The same bundle with ``extra`` joint projects added to the relationships."""
    cat = matcher.catalogue
    rel = cat.relationships
    links = [*rel.partnerships, *(Partnership(a, b, 2020, "joint project", "https://example.org/t")
                                  for a, b in extra)]
    bundle = replace(matcher.bundle, catalogue=cat.with_relationships(
        Relationships(links, rel.networks.values(), rel.memberships)))
    return Matcher(bundle, replace(matcher.config, **config), matcher.embedder)  # type: ignore[arg-type]


QUERIES = ["de-aero", "de-photonics", "kr-photonics", "in-pharma", "za-med", "us-photonics"]


@pytest.mark.parametrize("query", QUERIES)
def test_strict_cross_field_list_never_shares_a_field(hashing_matcher: Matcher, query: str) -> None:
    from matcher import Filters

    own = set(hashing_matcher.catalogue.by_id[query].fields)
    result = hashing_matcher.match(query, top=20, scope="cross_field",
                                   filters=Filters(include_home=True))
    assert result.scope == "cross_field"
    assert result.matches, "the fixture has linked fields for every query"
    for m in result.matches:
        assert not own & set(m.fields), (query, m.id, m.fields)


def test_not_strict_may_share_a_field_but_always_brings_a_linked_new_one(
        hashing_matcher: Matcher) -> None:
    strict = hashing_matcher.match("de-photonics", top=20, scope="cross_field")
    loose = hashing_matcher.match("de-photonics", top=20, scope="cross_field", strict=False)
    assert "kr-photonics" in {m.id for m in loose.matches}  # Photonics shared, Micro- new
    assert "kr-photonics" not in {m.id for m in strict.matches}
    for m in loose.matches:
        assert any(f not in ("Photonics",) for f in m.fields)
        assert m.explanation.value_chain is not None and m.explanation.value_chain.links


def test_explanations_name_the_linked_fields_and_the_need_offer_pair(
        hashing_matcher: Matcher) -> None:
    query = hashing_matcher.catalogue.by_id["de-photonics"]
    for m in hashing_matcher.match("de-photonics", top=10, scope="cross_field").matches:
        chain = m.explanation.value_chain
        assert chain is not None and chain.links
        link = chain.links[0]
        assert link.ours in query.fields and link.theirs in m.fields
        assert link.theirs not in query.fields
        assert f"their {link.theirs}" in chain.sentence and f"our {link.ours}" in chain.sentence
        assert chain.sentence in m.explanation.summary
        if chain.pair is not None:
            cand = hashing_matcher.catalogue.by_id[m.id]
            need_side, offer_side = (query, cand) if chain.they_offer else (cand, query)
            assert chain.pair.need in need_side.seeks and chain.pair.offer in offer_side.offers
            assert f"“{chain.pair.need}”" in chain.sentence


def test_main_list_has_no_value_chain_and_ignores_partnerships(hashing_matcher: Matcher) -> None:
    before = hashing_matcher.match("de-aero", top=10)
    assert before.scope == "all"
    assert all(m.explanation.value_chain is None for m in before.matches)
    after = with_partnerships(hashing_matcher, [("de-aero-home", "in-pharma")]).match("de-aero", top=10)
    assert [(m.id, m.score) for m in after.matches] == [(m.id, m.score) for m in before.matches]


def test_only_partnerships_of_others_link_fields(hashing_matcher: Matcher) -> None:
    # Aerospace and Biopharmaceuticals are not related (phi 0.06); only partnerships link them.
    config = {"cross_field_min_relatedness": 1.0, "cross_field_min_partnerships": 1}
    own_only = with_partnerships(hashing_matcher, [("de-aero", "in-pharma")], **config)
    assert "in-pharma" not in {m.id for m in own_only.match("de-aero", top=20,
                                                            scope="cross_field").matches}
    others = with_partnerships(hashing_matcher, [("de-aero-home", "in-pharma")], **config)
    found = {m.id: m for m in others.match("de-aero", top=20, scope="cross_field").matches}
    assert "in-pharma" in found
    link = found["in-pharma"].explanation.value_chain.links[0]  # type: ignore[union-attr]
    assert (link.ours, link.partnerships) == ("Aerospace Vehicles and Defense", 1)
    assert "1 known partnership of others joins them" in found["in-pharma"].explanation.summary
    # the partnership is de-aero-home's own: it does not link the fields for de-aero-home
    assert "in-pharma" not in {m.id for m in others.match(
        "de-aero-home", top=20, scope="cross_field").matches}


def test_ad_hoc_query_without_fields_has_no_cross_field_list(hashing_matcher: Matcher) -> None:
    from matcher import parse_query_profile

    profile, _ = parse_query_profile({"name": "Nothing", "country": "FR",
                                      "description": "A cluster of something."},
                                     hashing_matcher.catalogue.reference)
    result = hashing_matcher.match(profile, scope="cross_field")
    assert result.matches == [] and result.scope == "cross_field"


def test_unknown_scope_names_the_field(hashing_matcher: Matcher) -> None:
    with pytest.raises(InvalidInputError) as info:
        hashing_matcher.match("de-aero", scope="elsewhere")
    assert info.value.field == "scope"


# --- command line -------------------------------------------------------------------------------
def test_cli_match_scope_cross_field(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.test_cli import run

    code, out, _ = run(capsys, tmp_path, "match", "--cluster", "de-photonics", "--scope",
                       "cross_field", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["scope"] == "cross_field" and data["matches"]
    assert all("Photonics" not in m["fields"] for m in data["matches"])
    assert all(m["explanation"]["value_chain"]["links"] for m in data["matches"])
    code, out, _ = run(capsys, tmp_path, "match", "--cluster", "de-photonics", "--scope",
                       "cross_field", "--no-strict")
    assert code == 0 and "beyond your field" in out and "kr-photonics" in out
    with pytest.raises(SystemExit) as info:
        run(capsys, tmp_path, "match", "--cluster", "de-photonics", "--scope", "peers")
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


# --- reports ------------------------------------------------------------------------------------
def test_reports_carry_the_beyond_your_field_lists(hashing_matcher: Matcher, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from matcher.reports import CROSS_FIELD_COLUMNS, collect, write_report

    write_report(collect(hashing_matcher, top=3), tmp_path / "r", ["csv", "html", "xlsx"])
    with open(tmp_path / "r" / "beyond_your_field.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == CROSS_FIELD_COLUMNS
        rows = list(reader)
    cat = hashing_matcher.catalogue
    assert {r["cluster_id"] for r in rows} == {"de-aero", "de-aero-home", "de-photonics"}
    for r in rows:
        ours, theirs = cat.by_id[r["cluster_id"]].fields, cat.by_id[r["partner_id"]].fields
        assert not set(ours) & set(theirs)
        assert r["their_field"] in theirs and r["our_field"] in ours
        assert "Value-chain link" in r["reasons"]
    page = (tmp_path / "r" / "report.html").read_text()
    assert page.count("Beyond your field") == 3
