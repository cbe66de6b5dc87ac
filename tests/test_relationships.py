"""Relationships as data: loading, validation, co-membership, hiding, filters, explanations."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from matcher import (
    Catalogue,
    CatalogueError,
    Filters,
    Matcher,
    build_bundle,
    load_bundle,
    load_catalogue,
    messages,
)
from matcher.catalogue.profiles import Profile
from matcher.catalogue.relationships import (
    Membership,
    Network,
    Partnership,
    Relationships,
    SharedNetwork,
    read_relationships,
    write_relationships,
)
from matcher.engine.embedding import HashingEmbedder
from matcher.engine.explanation import Tie, relationship_reasons, tie_of

from .conftest import CATALOGUE_DIR


def rel() -> Relationships:
    return Relationships(
        [Partnership("a", "b", 2019, "agreement", "https://example.org/1"),
         Partnership("a", "x", None, "affiliation", "https://example.org/2")],
        [Network("net", "Net Alliance", "alliance", 2010, None, "https://example.org/3"),
         Network("proj", "A Project", "project consortium", 2020, 2022, "https://example.org/4")],
        [Membership("net", "a", 2012, "https://example.org/3"),
         Membership("net", "c", None, "https://example.org/3"),
         Membership("net", "d", 2015, "https://example.org/3"),
         Membership("proj", "a", 2020, "https://example.org/4"),
         Membership("proj", "c", 2020, "https://example.org/4")],
    )


def test_partners_co_members_and_shared_networks() -> None:
    r = rel()
    assert r.partners_of("a") == {"b", "x"}
    assert r.co_members_of("a") == {"c", "d"}
    assert r.related_to("c") == {"a", "d"}
    assert [x.b for x in r.labels()] == ["b"]  # an affiliation is not a partnership label
    shared = r.shared_networks("a", "d")
    assert shared == [SharedNetwork("net", "Net Alliance", "alliance", 2015)]  # the later year
    assert [s.id for s in r.shared_networks("a", "c")] == ["net", "proj"]
    assert r.shared_networks("a", "b") == []


def test_without_hides_every_relationship_of_a_profile() -> None:
    hidden = rel().without({"a"})
    assert hidden.partners_of("a") == set() and hidden.co_members_of("a") == set()
    assert hidden.co_members_of("c") == {"d"}  # the others keep theirs
    assert hidden.degree("b") == 0 and rel().degree("b") == 1


def relationship_sentence(tie: Tie | None, networks: list[SharedNetwork], lang: str = "en") -> str:
    return messages.summary(relationship_reasons(tie, networks), lang)


def test_relationship_sentences_differ_for_ties_and_networks() -> None:
    assert relationship_sentence(Tie("agreement", 2013), []) == "Already a partner (agreement since 2013)."
    networks = [SharedNetwork("net", "Net Alliance", "alliance", 2009)]
    assert relationship_sentence(None, networks) == "Both members of Net Alliance since 2009."
    assert "runs or is part of" in relationship_sentence(Tie("affiliation", None), [])
    two = [*networks, SharedNetwork("b", "Bay Cluster", "alliance", None)]
    assert (relationship_sentence(None, two, "de")
            == "Beide sind Mitglied in Net Alliance seit 2009, Bay Cluster.")


def test_loader_reports_each_problem_with_file_row_and_field(tmp_path: Path) -> None:
    catalogue = tmp_path / "cat"
    (catalogue / "profiles").mkdir(parents=True)
    (catalogue / "profiles" / "p.jsonl").write_text(
        (CATALOGUE_DIR / "profiles" / "example.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    (catalogue / "partnerships.csv").write_text(
        "a,b,since,kind,source,note\n"
        "de-aero,ca-aero-mutual,2015,agreement,https://example.org/x,\n"
        "ca-aero-mutual,de-aero,2016,memorandum,https://example.org/y,\n"
        "de-aero,za-med,,network membership,https://example.org/z,\n", encoding="utf-8")
    (catalogue / "networks.csv").write_text(
        "id,name,kind,since,until,source\nnet,Net,club,2010,2005,https://example.org/n\n",
        encoding="utf-8")
    (catalogue / "network_members.csv").write_text(
        "network,profile,since,source\nnet,nobody,,https://example.org/n\n"
        "missing-net,de-aero,,https://example.org/n\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(catalogue)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "partnerships.csv:3" in text and "duplicate pair" in text
    assert "partnerships.csv:4" in text and "'network membership' is not one of" in text
    assert "networks.csv:2" in text and "'club'" in text and "before since" in text
    assert "network_members.csv:2" in text and "unknown profile id 'nobody'" in text
    assert "network_members.csv:3" in text and "unknown network 'missing-net'" in text


def test_fixture_catalogue_loads_networks(catalogue: Catalogue) -> None:
    assert catalogue.co_members_of("de-photonics") == {"jp-photonics-2", "kr-photonics"}
    assert catalogue.stats()["networks"] == 1
    assert catalogue.stats()["network_memberships"] == 3


def test_exclude_switches_leave_out_partners_then_co_members(hashing_matcher: Matcher) -> None:
    def ids(**switches: bool) -> set[str]:
        result = hashing_matcher.match("de-photonics", top=20, filters=Filters(**switches))
        return {m.id for m in result.matches}

    everything = ids()
    assert {"us-photonics", "jp-photonics-2", "kr-photonics"} <= everything
    no_partners = ids(exclude_partners=True)
    assert "us-photonics" not in no_partners and {"jp-photonics-2", "kr-photonics"} <= no_partners
    assert not {"us-photonics", "jp-photonics-2", "kr-photonics"} & ids(exclude_co_members=True)


def test_explanations_name_the_tie_or_the_shared_network(hashing_matcher: Matcher) -> None:
    result = hashing_matcher.match("de-photonics", top=20)
    by_id = {m.id: m.explanation for m in result.matches}
    assert by_id["us-photonics"].existing_partner
    assert by_id["us-photonics"].partnership is not None
    assert "Already a partner (joint project)." in by_id["us-photonics"].summary
    jp = by_id["jp-photonics-2"]
    assert not jp.existing_partner and jp.partnership is None
    assert [n.id for n in jp.shared_networks] == ["test-photonics-alliance"]
    assert "Both members of Test Photonics Alliance (TPA) since 2017." in jp.summary


def test_peers_are_the_other_german_clusters_working_with_a_suggestion(
        catalogue: Catalogue, tmp_path: Path) -> None:
    rel = catalogue.relationships
    second = Partnership("de-aero-home", "fr-aero-oneside", 2021, "agreement", "https://example.org/p")
    affiliation = Partnership("de-photonics", "fr-aero-oneside", None, "affiliation",
                              "https://example.org/a")
    linked = catalogue.with_relationships(
        Relationships([*rel.partnerships, second, affiliation], rel.networks.values(),
                      rel.memberships))
    assert linked.german_partners()["fr-aero-oneside"] == ["de-aero", "de-aero-home"]
    matcher = Matcher(load_bundle(build_bundle(linked, HashingEmbedder(), models_dir=tmp_path),
                                  reference=linked.reference))

    def peers(query: str | Profile, **options: str) -> list[str]:
        found = {m.id: m for m in matcher.match(query, top=20, diversity=False, **options).matches}
        return [p.id for p in found["fr-aero-oneside"].explanation.peers]

    assert peers("de-aero") == ["de-aero-home"]  # never the query itself
    assert peers("de-aero-home") == ["de-aero"]
    both = peers("de-photonics")  # an affiliation is not a partnership: no peer of its own
    assert sorted(both) == ["de-aero", "de-aero-home"]
    vectors, row = matcher.vectors.profile, matcher.row
    q = vectors[row["de-photonics"]]
    assert vectors[row[both[0]]] @ q >= vectors[row[both[1]]] @ q  # the most similar first
    fresh = replace(catalogue.get("de-aero"), id="fresh", description="Aircraft cabins and MRO.")
    assert peers(fresh, hide_relationships_of="de-aero") == ["de-aero-home"]
    shown = {m.id: m for m in matcher.match("de-aero", top=20).matches}["fr-aero-oneside"]
    assert ("German clusters that already work with them: Test Aviation Bremen. Ask them how it "
            "went.") in shown.explanation.summary


def test_peer_sentences_name_two_and_count_the_rest() -> None:
    names = ["A Cluster", "B Cluster", "C Cluster", "D Cluster"]
    reason = [messages.Reason("peers", {"peers": names})]
    assert messages.summary(reason) == (
        "German clusters that already work with them: A Cluster, B Cluster and 2 more. "
        "Ask them how it went.")
    assert messages.summary([messages.Reason("peers", {"peers": ["Composites United e.V."]})]) == (
        "German clusters that already work with them: Composites United e.V. Ask them how it went.")
    assert messages.summary([messages.Reason("peers", {"peers": names[:1]})], "de") == (
        "Deutsche Cluster, die schon mit ihnen zusammenarbeiten: A Cluster. "
        "Fragen Sie dort nach den Erfahrungen.")


def test_a_tie_says_when_it_was_last_confirmed_or_that_it_was_not(tmp_path: Path) -> None:
    old = Partnership("a", "b", 2012, "agreement", "https://example.org/1")
    renewed = replace(old, confirmed=2024)
    assert old.unconfirmed(2026) and not renewed.unconfirmed(2026)
    assert not replace(old, since=2021).unconfirmed(2026)  # five years: still fresh
    assert not replace(old, since=None).unconfirmed(2026)  # an undated tie is not judged
    assert (relationship_sentence(tie_of(renewed, 2026), [])
            == "Already a partner (agreement since 2012, confirmed in 2024).")
    assert (relationship_sentence(tie_of(old, 2026), [])
            == "Already a partner (agreement since 2012, not confirmed since).")
    assert (relationship_sentence(tie_of(old, 2026), [], "de")
            == "Bereits Partner (Vereinbarung seit 2012, seither nicht bestätigt).")
    assert relationship_sentence(tie_of(old, 2015), []) == "Already a partner (agreement since 2012)."
    # Read from and written to the catalogue's partnerships.csv; never before its start.
    (tmp_path / "partnerships.csv").write_text(
        "a,b,since,kind,source,note,confirmed\n"
        "a,b,2012,agreement,https://example.org/1,,2024\n"
        "a,c,2019,agreement,https://example.org/2,,2018\n", encoding="utf-8")
    read, problems = read_relationships(tmp_path, {"a", "b", "c"})
    assert read.tie("a", "b") == renewed
    assert [(p.row, p.field) for p in problems] == [(3, "confirmed")]
    write_relationships(read, tmp_path / "out")
    assert "a,b,2012,agreement,https://example.org/1,,2024" in (
        tmp_path / "out" / "partnerships.csv").read_text(encoding="utf-8")
