"""German and French queries, written from scratch, against English ones written separately."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher import Matcher, load_bundle, load_catalogue
from matcher.catalogue.languages import detect
from matcher.evaluation import HUB_SHARE, LANGUAGE_QUERIES, crosslingual
from matcher.evaluation.crosslingual import SECOND_ENGLISH

RECORDS = [json.loads(line) for line in LANGUAGE_QUERIES.read_text(encoding="utf-8").splitlines()]


def test_the_set_has_thirty_german_and_ten_french_queries_each_with_an_english_pair() -> None:
    by_key = {r["key"]: r for r in RECORDS}
    assert sum(r["lang"] == "de" for r in RECORDS) >= 30
    assert sum(r["lang"] == "fr" for r in RECORDS) >= 10
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
    assert de["n"] >= 30 and fr["n"] >= 10 and de["n_with_partners"] >= 25
    # Measured with the default (fused) embedder: see README, "Languages".
    assert de["overlap"]["value"] >= 0.6 and fr["overlap"]["value"] >= 0.55
    assert de["partner_hit@20"]["value"] >= 0.7
    # No profile sits in the top 10 of more than a quarter of the German queries.
    assert de["hubs"] == [] and de["max_share"] <= HUB_SHARE
