"""The usability review of issue #26 on the pages (hand-written catalogue, hashing embedder): where
a suggestion stands, unknown parts, the filters as chips, sharing, following, coverage words, the
German words, search suggestions, the favicon and the docs; and the pure pieces behind them."""

from __future__ import annotations

import re

import numpy as np
from fastapi.testclient import TestClient

from matcher import Catalogue, Filters, Matcher, messages
from matcher.analysis.coverage import gap_band
from matcher.catalogue.search import search_for
from matcher.config import COMPONENTS
from matcher.engine.filters import regions_as_places
from matcher.engine.ranking import Standing, standings


def test_standing_counts_better_scores_and_names_what_lifted() -> None:
    scores = np.asarray([0.9, 0.5, 0.7, 0.7], dtype=np.float32)
    contributions = np.zeros((4, len(COMPONENTS)), dtype=np.float32)
    contributions[2, COMPONENTS.index("complementarity")] = 0.4
    contributions[2, COMPONENTS.index("thematic")] = 0.2
    contributions[2, COMPONENTS.index("parity")] = 0.01  # too little to name
    first, third, fourth = standings(scores, [0, 2, 3], contributions)
    assert (first.rank, first.pool, first.top_percent) == (1, 4, 25)
    assert third.rank == fourth.rank == 2  # ties share the better rank
    assert third.lifted_by == ("complementarity", "thematic") and fourth.lifted_by == ()
    assert standings(scores, [1])[0].lifted_by == ()


def test_a_weak_fit_that_stands_out_is_a_broad_fit() -> None:
    assert Standing(rank=3, pool=500).label("weak fit") == "broad fit"
    assert Standing(rank=400, pool=500).label("weak fit") == "weak fit"
    assert Standing(rank=1, pool=500).label("similar") == "similar"
    assert Standing(rank=1, pool=567).top_percent == 1


def test_standing_sentences_in_both_languages() -> None:
    reasons = Standing(rank=2, pool=567, lifted_by=("complementarity", "thematic")).reasons()
    assert messages.summary(reasons, "en") == (
        "Place 2 of the 567 candidates this list draws from: top 1%. What lifted it most: "
        "needs and offers that fit both ways and the same topics.")
    assert messages.summary(reasons, "de").startswith("Platz 2 der 567 Kandidaten dieser Liste: beste 1 %.")


def test_matches_carry_a_standing_that_the_api_does_not_show(hashing_matcher: Matcher,
                                                             client: TestClient) -> None:
    result = hashing_matcher.match("de-aero", top=3, diversity=False)
    assert [m.standing.rank for m in result.matches if m.standing] == [1, 2, 3]
    assert all(m.standing and m.standing.pool == result.candidates for m in result.matches)
    assert "standing" not in result.matches[0].to_dict()
    body = client.get("/api/v1/profiles/de-aero/matches").json()
    assert "standing" not in body["matches"][0]


def test_continents_stand_for_their_world_regions(catalogue: Catalogue) -> None:
    geo = catalogue.reference.geography
    groups = dict(geo.region_groups())
    assert "Northern America" in groups["North America"] and "Eastern Asia" in groups["Asia"]
    assert sum(len(r) for r in groups.values()) == len(geo.world_regions)  # each region once
    chosen = regions_as_places(Filters(continents=("Asia",), world_regions=("Northern America",)),
                               geo)
    assert chosen.continents == () and "Northern America" in chosen.world_regions
    assert "Eastern Asia" in chosen.world_regions


def test_gap_bands() -> None:
    assert [gap_band(g) for g in (-1.0, 0.0, 0.5, 1.5, 2.5)] == [0, 0, 1, 2, 3]


def test_a_typo_finds_close_names(catalogue: Catalogue) -> None:
    search = search_for(catalogue)
    assert search.corrected("Test Aviaton Hamburg") == "test aviation hamburg"
    assert [p.id for p in search.suggest("Test Aviaton", catalogue.profiles)]
    assert search.corrected("Test Aviation") is None


def test_cluster_page_puts_suggestions_before_the_profile(client: TestClient) -> None:
    page = client.get("/clusters/de-aero", params={"lang": "en"}).text
    assert page.index('id="matches"') < page.index('id="known-section"')
    assert '<details class="profile panel" id="profile-box">' in page
    assert page.index('id="profile-box"') < page.index('id="suggested"')
    assert "candidates this list draws from: top" in page and "Place 1 of" in page
    # Partner names lead to the partner's page with the way back.
    assert re.search(r'class="match-name" href="/clusters/[^"?]+\?lang=en&amp;from=de-aero"', page)
    partner = client.get("/clusters/ca-aero-mutual", params={"lang": "en", "from": "de-aero"}).text
    assert 'id="back-link"' in partner and "Back to the suggestions for" in partner
    assert 'id="back-link"' not in client.get("/clusters/ca-aero-mutual",
                                              params={"from": "no-such"}).text


def test_unknown_size_is_shown_as_unknown(client: TestClient) -> None:
    record = {"name": "No Size Net", "country": "DE", "description": "Laser makers.",
              "fields": "Optics and Photonics"}
    page = client.post("/match", data=record).text
    assert "unknown (a member count is missing)" in page


def test_filters_are_checkboxes_chips_and_a_clear_link(client: TestClient) -> None:
    page = client.get("/clusters/de-photonics",
                      params=[("lang", "en"), ("continent", "Asia"), ("country", "JP")]).text
    assert 'type="checkbox" name="continent" value="Asia" checked' in page
    assert 'name="world_region" value="Northern America"' in page
    assert 'action="/clusters/de-photonics#suggested"' in page
    chips = re.findall(r'<a class="chip" href="([^"]+)"', page)
    assert len(chips) == 2 and all(c.endswith("#suggested") for c in chips)
    assert 'id="clear-filters" href="?lang=en#suggested"' in page
    assert {c.split("-")[0] for c in re.findall(r'<li class="match" data-id="([^"]+)"',
                                                page.split('id="matches"')[1].split("</ol>")[0])} <= {"jp"}
    assert 'id="no-filters"' in client.get("/clusters/de-photonics").text


def test_share_link_is_absolute_with_filters_and_a_copy_button(client: TestClient) -> None:
    form = client.post("/match", data={"name": "Laser Net", "country": "DE",
                                       "description": "Laser makers.",
                                       "fields": "Optics and Photonics"}, follow_redirects=False)
    target = form.headers["location"]
    page = client.get(target + "&country=JP").text
    share = re.search(r'id="share-link" readonly data-select value="([^"]+)"', page)
    assert share and share.group(1).startswith("http://testserver/match?p=")
    assert "country=JP" in share.group(1)
    assert 'id="copy-share"' in page and 'data-copy="share-link"' in page


def test_follow_page_for_german_clusters_only(client: TestClient) -> None:
    cluster = client.get("/clusters/de-aero", params={"lang": "en"}).text
    assert 'id="follow-link" href="/clusters/de-aero/follow?lang=en"' in cluster
    foreign = client.get("/clusters/ca-aero-mutual").text
    assert "follow-link" not in foreign and "application/atom+xml" not in foreign
    follow = client.get("/clusters/de-aero/follow", params={"lang": "en"})
    assert follow.status_code == 200 and "feed reader" in follow.text
    assert 'value="http://testserver/clusters/de-aero/feed.atom?lang=en"' in follow.text
    assert client.get("/clusters/ca-aero-mutual/follow").status_code == 404


def test_coverage_words_map_and_counts(client: TestClient) -> None:
    for lang in ("en", "de"):
        page = client.get("/coverage", params={"lang": lang}).text
        assert "{a}" not in page
        assert 'id="gap-legend"' in page and page.count('class="swatch') == 5
        assert 'id="unpartnered-counts"' in page
    english = client.get("/coverage", params={"lang": "en"}).text
    assert "the more partnerships are missing" in english
    assert re.search(r'class="country gap-\d"', english)
    network = client.get("/network", params={"lang": "en"}).text
    assert 'id="unpartnered-counts"' in network


def test_german_words(client: TestClient) -> None:
    page = client.post("/match?lang=de", data={"name": "Laser Net", "country": "DE",
                                                "description": "Laser makers.",
                                                "fields": "Photonik"}).text
    assert "\u201ePhotonik\u201c" in page and "\u201cPhotonik\u201d" not in page
    missing = client.get("/clusters/de-aerx", params={"lang": "de"}).text
    assert 'Technische Details (englisch)' in missing and '<span lang="en">' in missing


def test_search_suggests_close_names(client: TestClient) -> None:
    page = client.get("/", params={"q": "Test Aviaton", "lang": "en"}).text
    assert 'id="did-you-mean"' in page and "Test Aviation Hamburg" in page


def test_favicon_and_docs(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    docs = client.get("/docs").text
    assert '<html lang="en">' in docs and 'href="/"' in docs
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/profiles/{profile_id}"]["put"]["security"] == [
        {"bearerToken": []}]
    assert "security" not in schema["paths"]["/api/v1/profiles"]["get"]
