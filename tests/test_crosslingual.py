"""German and French queries, written from scratch, against English ones written separately."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher import Matcher, load_bundle, load_catalogue
from matcher.catalogue.languages import detect
from matcher.evaluation import HUB_SHARE, LANGUAGE_QUERIES, crosslingual
from matcher.evaluation.crosslingual import SECOND_ENGLISH, query_results

RECORDS = [json.loads(line) for line in LANGUAGE_QUERIES.read_text(encoding="utf-8").splitlines()]


def test_the_set_has_thirty_german_and_thirty_french_queries_each_with_an_english_pair() -> None:
    by_key = {r["key"]: r for r in RECORDS}
    assert len(by_key) == len(RECORDS)
    assert sum(r["lang"] == "de" for r in RECORDS) >= 30
    assert sum(r["lang"] == "fr" for r in RECORDS) >= 30
    for r in RECORDS:
        pair = by_key[r["pair"]]
        assert pair["subject"] == r["subject"]
        if r["lang"] == SECOND_ENGLISH:  # a second English text, paired with the first
            assert pair["lang"] == "en" and detect(r["profile"]["description"]) == "en", r["key"]
            continue
        assert pair["pair"] == r["key"]
        assert (r["lang"] == "en") != (pair["lang"] == "en")
        assert detect(r["profile"]["description"]) == r["lang"], r["key"]
    assert sum(r["lang"] == SECOND_ENGLISH for r in RECORDS) >= 15


def test_queries_are_not_copies_of_the_catalogue_texts() -> None:
    catalogue = load_catalogue()
    for r in RECORDS:
        subject = catalogue.by_id.get(r["subject"])
        if subject is not None:
            assert r["profile"]["description"] != subject.description


@pytest.mark.slow
def test_german_and_french_queries_find_what_english_ones_find(real_models: Path) -> None:
    result = crosslingual(Matcher(load_bundle(real_models / "current")))
    de, fr = result["de"], result["fr"]
    assert de["n"] >= 30 and fr["n"] >= 30
    assert de["n_with_partners"] >= 25 and fr["n_with_partners"] >= 20
    # German lists agree with the English ones nearly as well as the lists of two English authors
    # writing about the same clusters agree (README, "Languages"). Measured with the default
    # (fused) embedder on December 2026's seventeenth-session catalogue: de 0.606, en2 0.611,
    # fr 0.561. Until then the German floor was an absolute 0.6, which rewording the catalogue's
    # texts moved (de 0.606 before, 0.597 half-way through, 0.606 at the end; en2 0.611, 0.606,
    # 0.611) rather than the embedder; both lists move with the catalogue, so the floor is now the
    # English authors' agreement less 5 points.
    assert de["overlap"]["value"] >= result["en2"]["overlap"]["value"] - 0.05
    assert fr["overlap"]["value"] >= 0.5
    # 0.714 until December 2026's fifteenth session, 0.679 since: one partner's text, copied from
    # the page of the very project that is the tie, was rewritten from its own pages, and the
    # German query and its English pair both lost it (19 of the 28 queries found a partner then;
    # 20, 0.714, after the seventeenth session's rewording of partner texts).
    assert de["partner_hit@20"]["value"] >= 0.65
    # No profile sits in the top 10 of more than a quarter of the German queries.
    assert de["hubs"] == [] and de["max_share"] <= HUB_SHARE


def _record(key: str, lang: str, pair: str, subject: str, description: str,
            field: str = "Aerospace Vehicles and Defense") -> dict[str, object]:
    return {"key": key, "lang": lang, "pair": pair, "subject": subject,
            "profile": {"name": key, "country": "DE", "description": description,
                        "fields": [field], "offers": [], "seeks": []}}


def test_each_query_gets_its_list_overlap_and_partner_hits(hashing_matcher: Matcher,
                                                           tmp_path: Path) -> None:
    aviation = "Aviation cluster of aircraft makers and suppliers working on cabins and composites."
    records = [
        _record("de-a", "de", "en-a", "de-aero", aviation),  # the same text as its pair
        _record("en-a", "en", "de-a", "de-aero", aviation),
        _record("de-b", "de", "en-b", "in-pharma", aviation),  # a subject without partners
        _record("en-b", "en", "de-b", "in-pharma", "Pharmaceutical cluster of drug makers.",
                "Biopharmaceuticals"),
    ]
    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    results = query_results(hashing_matcher, queries, top=3)

    assert [r["key"] for r in results] == ["de-a", "de-b"]  # English records are the pairs
    same, without = results
    assert same["overlap"] == 1.0 and len(same["list"]) == 3
    assert same["hit@10"] in (0.0, 1.0) and same["hit@10"] == same["english_hit@10"]
    assert same["hit@20"] == same["english_hit@20"]
    assert without["overlap"] < 1.0
    assert [without[f"{n}hit@{k}"] for n in ("", "english_") for k in (10, 20)] == [None] * 4
    summary = crosslingual(hashing_matcher, queries, top=3)["de"]
    assert summary["n"] == 2 and summary["n_with_partners"] == 1
    assert summary["overlap"]["value"] == round((1.0 + without["overlap"]) / 2, 4)
