"""Cached answers: a repeat is served from the cache, and any write (a profile, a mark, through
this worker or another) drops it, so no answer is ever stale after the sync interval."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.outcomes.feedback import Feedback
from matcher.store import open_store, utc_now
from service.cache import AnswerCache
from service.main import create_app
from service.settings import Settings
from tests.apps import AUTH, make_settings, new_profile


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, sync_interval_s=0.0)


def matches(client: TestClient, cluster: str = "de-photonics",
            headers: dict[str, str] | None = None) -> list[str]:
    r = client.get(f"/api/v1/profiles/{cluster}/matches", params={"top": 50}, headers=headers)
    assert r.status_code == 200, r.text
    return [m["id"] for m in r.json()["matches"]]


def test_repeats_are_cached_until_a_write_here(client: TestClient) -> None:
    cache = client.app.state.service.answers  # type: ignore[attr-defined]
    first = matches(client)
    assert (cache.hits, cache.misses) == (0, 1)
    assert matches(client) == first and cache.hits == 1
    r = client.put("/api/v1/profiles/fr-cache-photonics", headers=AUTH,
                   json=new_profile(name="Cache Photonics", country="FR", region="Lyon", nuts="FRK"))
    assert r.status_code == 201, r.text
    assert len(cache) == 0 and "fr-cache-photonics" in matches(client)


def test_a_write_through_another_worker_drops_the_cache(client: TestClient,
                                                        settings: Settings) -> None:
    # Dismissals shape the list only for the cluster's own (or the admin) token.
    before = matches(client, headers=AUTH)
    dismissed = before[0]
    other = open_store(settings.database)  # another worker or host writing to the database
    try:
        other.record_feedback(Feedback("de-photonics", dismissed, "not_relevant",
                                       reason="wrong_field", at=utc_now()))
    finally:
        other.close()
    assert dismissed not in matches(client, headers=AUTH)
    assert dismissed in matches(client)  # every other reader sees the full list


def test_an_answer_computed_across_a_swap_is_not_kept() -> None:
    cache = AnswerCache(4)
    generation = cache.generation
    cache.clear()  # the matcher changed while the answer was being computed
    cache.put("key", "stale", generation)
    assert cache.get("key") is None
    cache.put("key", "fresh", cache.generation)
    assert cache.get("key") == "fresh"
    for n in range(5):
        cache.put(n, n, cache.generation)
    assert len(cache) == 4 and cache.get("key") is None  # least recently used goes first


def test_the_cache_is_bounded_in_bytes() -> None:
    cache = AnswerCache(1000, max_bytes=10_000)
    for n in range(50):
        cache.put(n, b"x" * 1000, cache.generation)
    assert len(cache) == 10 and cache.bytes == 10_000 and cache.get(49) is not None
    cache.put("huge", b"x" * 10_001, cache.generation)  # over the budget alone: not kept
    assert cache.get("huge") is None and cache.bytes <= 10_000
    cache.clear()
    assert cache.bytes == 0


def test_answers_and_cluster_pages_stay_within_the_byte_budget(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, answer_cache_mb=0.05))) as c:
        cache = c.app.state.service.answers  # type: ignore[attr-defined]
        for top in range(1, 40):
            assert c.get("/api/v1/profiles/de-photonics/matches",
                          params={"top": top}).status_code == 200
            assert c.get("/clusters/de-aero", params={"top": top}).status_code == 200
            assert cache.bytes <= 50_000
        assert len(cache) > 0  # still caching, within the budget
        kept = cache._entries.values()
        assert any(not isinstance(v, bytes) and size > 1000 for v, size in kept)


def test_the_service_objects_are_frozen_while_the_app_runs(settings: Settings) -> None:
    # A full collection walking everything the service loaded stalled a worker for 0.3-0.4 s
    # (BENCHMARKS.md, "Garbage collection"); frozen, the collector leaves it alone.
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 1000
    assert gc.get_freeze_count() == 0
