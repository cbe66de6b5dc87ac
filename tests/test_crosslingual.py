"""A German (or French) description finds the same partners as its English original."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher import Matcher, load_bundle
from matcher.evaluation import crosslingual_overlap
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow
TRANSLATIONS = FIXTURES / "crosslingual" / "translations.jsonl"


def test_translations_cover_thirty_profiles_in_german_and_some_in_french() -> None:
    records = [json.loads(line) for line in TRANSLATIONS.read_text().splitlines()]
    assert sum(r["lang"] == "de" for r in records) >= 30
    assert sum(r["lang"] == "fr" for r in records) >= 5


def test_translated_queries_find_the_same_partners(real_models: Path) -> None:
    matcher = Matcher(load_bundle(real_models / "current"))
    overlap = crosslingual_overlap(matcher, TRANSLATIONS)
    assert overlap["de"]["n"] >= 30
    # Measured with the default (fused) embedder: see README, "Languages".
    assert overlap["de"]["value"] >= 0.7
    assert overlap["fr"]["value"] >= 0.6
