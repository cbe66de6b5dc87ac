"""Encoding an ad-hoc query quickly: batches of similar length, and remembered texts."""

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from matcher import HashingEmbedder
from matcher.engine.embedding import FusedEmbedder, RecentTexts, Vectors
from matcher.engine.onnx_encoder import length_batches


def test_a_long_text_is_not_batched_with_short_phrases() -> None:
    # One profile text of 200 tokens and three phrases: the phrases must not be padded to 200.
    assert length_batches([200, 10, 12, 15], batch_size=64) == [[0], [3, 2, 1]]


def test_texts_of_similar_length_share_a_batch_up_to_its_size() -> None:
    assert length_batches([100, 60, 51, 49], batch_size=64) == [[0, 1, 2], [3]]
    assert length_batches([5, 30, 20], batch_size=64) == [[1, 2, 0]]  # within the slack
    assert length_batches([7] * 5, batch_size=2) == [[0, 1], [2, 3], [4]]
    assert length_batches([], batch_size=8) == []


@pytest.mark.parametrize("seed", range(5))
def test_every_text_is_in_exactly_one_batch(seed: int) -> None:
    lengths = np.random.default_rng(seed).integers(1, 300, size=50).tolist()
    batches = length_batches(lengths, batch_size=8)
    assert sorted(i for b in batches for i in b) == list(range(50))
    assert all(1 <= len(b) <= 8 for b in batches)


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(16)
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        return super().encode(texts)


def test_remembered_texts_give_identical_vectors_without_encoding_again() -> None:
    inner = CountingEmbedder()
    recent = RecentTexts(inner, size=10)
    texts = ["laser optics", "battery cells", "laser optics", "drones"]
    first = recent.encode_query(texts)
    assert inner.calls == [["laser optics", "battery cells", "drones"]]  # each distinct text once
    np.testing.assert_array_equal(first, HashingEmbedder(16).encode(texts))
    again = recent.encode_query(["drones", "laser optics", "solar modules"])
    assert inner.calls[1:] == [["solar modules"]]
    np.testing.assert_array_equal(again[:2], first[[3, 0]])
    assert again.dtype == np.float32 and again.flags.writeable
    again[:] = 0  # the caller's copy: what is remembered does not change
    np.testing.assert_array_equal(recent.encode_query(["drones"]), first[[3]])
    assert recent.encode_query([]).shape == (0, 16)
    assert (recent.name, recent.dimension, recent.describe()) == (
        inner.name, inner.dimension, inner.describe())


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    inner = CountingEmbedder()
    recent = RecentTexts(inner, size=2)
    recent.encode_query(["a"])
    recent.encode_query(["b"])
    recent.encode_query(["a"])  # a is now more recent than b
    recent.encode_query(["c"])  # b goes
    inner.calls.clear()
    recent.encode_query(["a", "c", "b"])
    assert inner.calls == [["b"]]


def test_catalogue_texts_are_passed_on_and_not_remembered() -> None:
    # A query's remembered row may come from a faster, less exact model: never reuse it for the
    # catalogue's vectors, and never let a catalogue text stand in for a query's.
    inner = CountingEmbedder()
    recent = RecentTexts(inner, size=10)
    recent.encode(["laser optics"])
    recent.encode(["laser optics"])
    assert inner.calls == [["laser optics"], ["laser optics"]]
    recent.encode_query(["laser optics"])
    assert len(inner.calls) == 3


def test_fused_parts_encode_side_by_side_with_the_same_result() -> None:
    threads: list[str] = []

    class Recording(HashingEmbedder):
        def encode(self, texts: Sequence[str]) -> Vectors:
            threads.append(threading.current_thread().name)
            return super().encode(texts)

    fused = FusedEmbedder(Recording(8), Recording(16))
    texts = ["laser optics", "Batteriezellen", ""]
    expected = np.concatenate([HashingEmbedder(8).encode(texts), HashingEmbedder(16).encode(texts)],
                              axis=1) / np.sqrt(2.0)
    np.testing.assert_allclose(fused.encode(texts), expected, rtol=1e-6)
    assert len(set(threads)) == 2
    assert threading.current_thread().name in threads  # the first part runs in the caller


def test_a_query_is_encoded_by_the_query_side_and_a_written_profile_by_the_catalogues(
        hashing_matcher) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from matcher import Matcher

    class Sides(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(384)
            self.sides: list[str] = []

        def encode(self, texts: Sequence[str]) -> Vectors:
            self.sides.append("catalogue")
            return super().encode(texts)

        def encode_query(self, texts: Sequence[str]) -> Vectors:
            self.sides.append("query")
            return HashingEmbedder.encode(self, texts)

    sides = Sides()
    matcher = Matcher(hashing_matcher.bundle, hashing_matcher.config, sides)
    matcher.match_record({"name": "Ad hoc", "country": "DE", "description": "Laser optics."})
    assert sides.sides == ["query"]
    changed = replace(matcher.catalogue.get("kr-photonics"), description="Laser optics, sensors.")
    matcher.with_profile(changed)
    assert sides.sides == ["query", "catalogue"]
