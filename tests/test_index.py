"""The FAISS path agrees with exact numpy search; inputs are checked before FAISS sees them."""

import numpy as np
import pytest

from matcher import InvalidInputError
from matcher.engine.embedding import l2_normalise
from matcher.engine.index import VectorIndex, exact_search


def random_unit(n: int, d: int, seed: int) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32))


def test_flat_index_equals_exact_search() -> None:
    vectors, queries = random_unit(500, 32, 0), random_unit(20, 32, 1)
    index = VectorIndex(vectors)
    assert index.kind == "flat"
    exact_scores, exact_pos = exact_search(queries, vectors, 10)
    for q, (scores, pos) in enumerate(index.search(queries, 10)):
        assert pos.tolist() == exact_pos[q].tolist()
        np.testing.assert_allclose(scores, exact_scores[q], rtol=1e-5, atol=1e-5)


def clustered_unit(n: int, d: int, seed: int, centres: int = 50) -> np.ndarray:
    """Unit vectors around a few centres, as sentence embeddings of related texts are."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, d)).astype(np.float32)
    x = c[rng.integers(0, centres, n)] + 0.5 * rng.standard_normal((n, d)).astype(np.float32)
    return l2_normalise(x)


def test_approximate_index_recall_at_10_on_a_seeded_set() -> None:
    data = clustered_unit(5050, 32, 2)
    vectors, queries = data[:5000], data[5000:]
    index = VectorIndex(vectors, approximate_threshold=1000)
    assert index.kind == "ivf"
    _, exact_pos = exact_search(queries, vectors, 10)
    hits = sum(len(set(pos.tolist()) & set(exact_pos[q].tolist()))
               for q, (_, pos) in enumerate(index.search(queries, 10)))
    assert hits / (10 * len(queries)) >= 0.95


def test_k_larger_than_index_returns_no_padding() -> None:
    index = VectorIndex(random_unit(3, 8, 4))
    _, pos = index.search(random_unit(1, 8, 5), 10)[0]
    assert sorted(pos.tolist()) == [0, 1, 2]
    assert (pos >= 0).all()


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((2, 7), dtype=np.float32),
        np.zeros((2, 8), dtype=np.float64),
        np.zeros(8, dtype=np.float32),
        np.full((1, 8), np.nan, dtype=np.float32),
    ],
)
def test_bad_queries_raise_our_error(bad: np.ndarray) -> None:
    index = VectorIndex(random_unit(3, 8, 6))
    with pytest.raises(InvalidInputError):
        index.search(bad, 2)
