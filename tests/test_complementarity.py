"""The score components on small hand-made arrays with known values."""

import math

import numpy as np
import pytest

from matcher.engine.complementarity import (
    directional_fit,
    gather_rows,
    harmonic,
    parity,
    relatedness,
    reverse_fit,
    roles_added,
    thematic,
    typical_fit,
)

E = np.eye(4, dtype=np.float32)


def test_gather_rows_follows_csr_offsets() -> None:
    offsets = np.array([0, 2, 3, 6], dtype=np.int64)
    rows, seg = gather_rows(offsets, np.array([2, 0], dtype=np.int64))
    assert rows.tolist() == [3, 4, 5, 0, 1]
    assert seg.tolist() == [0, 3]


def test_directional_fit_is_mean_over_needs_of_best_answer() -> None:
    needs = E[[0, 1]]  # the query needs e0 and e1
    answers = E[[0, 2, 1, 3]]  # profile 0 offers e0,e2; profile 1 offers e1; profile 2 offers e3
    offsets = np.array([0, 2, 3, 4], dtype=np.int64)
    fit = directional_fit(needs, answers, offsets, np.array([0, 1, 2], dtype=np.int64))
    assert fit.tolist() == pytest.approx([0.5, 0.5, 0.0])
    everyone = directional_fit(needs, answers, offsets)
    assert everyone.tolist() == pytest.approx([0.5, 0.5, 0.0])
    assert directional_fit(needs, answers, offsets, np.array([2, 0])).tolist() == pytest.approx([0, 0.5])


def test_typical_fit_is_the_fit_with_the_average_query() -> None:
    # three reference queries need e0, e0 and e1 and offer e2: their average need leans to e0
    needs, offers_q = E[[0, 0, 1]], E[[2, 2, 2]]
    # profile 0 offers e0 and needs e2 (suits the average query), profile 1 offers e1 and needs
    # e2, profile 2 offers e3 and needs e3 (suits none)
    answers, answer_offsets = E[[0, 1, 3]], np.array([0, 1, 2, 3], dtype=np.int64)
    wants, want_offsets = E[[2, 2, 3]], np.array([0, 1, 2, 3], dtype=np.int64)
    typical = typical_fit(needs, offers_q, answers, answer_offsets, wants, want_offsets)
    mean_need = (2 * E[0] + E[1]) / math.sqrt(5)  # the normalised average need
    a, b = mean_need[0], mean_need[1]  # the cosines of e0 and e1 with it
    assert typical.tolist() == pytest.approx([2 * a / (a + 1), 2 * b / (b + 1), 0.0])
    assert typical_fit(needs[:0], offers_q, answers, answer_offsets, wants,
                       want_offsets).tolist() == [0.0, 0.0, 0.0]


def test_reverse_fit_is_mean_over_candidate_needs() -> None:
    ours = E[[0]]
    needs = E[[0, 1, 0]]  # profile 0 needs e0,e1; profile 1 needs e0
    offsets = np.array([0, 2, 3], dtype=np.int64)
    fit = reverse_fit(ours, needs, offsets, np.array([0, 1], dtype=np.int64))
    assert fit.tolist() == pytest.approx([0.5, 1.0])
    assert reverse_fit(ours, needs, offsets).tolist() == pytest.approx([0.5, 1.0])



@pytest.mark.parametrize("m", [1, 3, 12])
def test_fits_agree_with_a_loop_over_candidates(m: int) -> None:
    """The matrix forms against the definition, one candidate at a time, on random rows."""
    rng = np.random.default_rng(m)
    counts = rng.integers(1, 5, size=40)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    rows = rng.normal(size=(int(offsets[-1]), 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    query = rows[:m] * -1.0 + 0.1  # any rows will do; some cosines are negative
    some = np.array([5, 0, 39, 17], dtype=np.int64)
    own = [rows[offsets[i]:offsets[i + 1]] for i in range(40)]
    direct = [np.clip((query @ r.T).max(axis=1), 0, 1).mean() for r in own]
    back = [np.clip((r @ query.T).max(axis=1), 0, 1).mean() for r in own]
    np.testing.assert_allclose(directional_fit(query, rows, offsets), direct, rtol=1e-5)
    np.testing.assert_allclose(directional_fit(query, rows, offsets, some),
                               np.asarray(direct)[some], rtol=1e-5)
    np.testing.assert_allclose(reverse_fit(query, rows, offsets), back, rtol=1e-5)
    np.testing.assert_allclose(reverse_fit(query, rows, offsets, some),
                               np.asarray(back)[some], rtol=1e-5)

def test_harmonic_mean_punishes_one_sided_fit() -> None:
    a = np.array([0.8, 0.8, 0.0], dtype=np.float32)
    b = np.array([0.8, 0.1, 0.0], dtype=np.float32)
    assert harmonic(a, b).tolist() == pytest.approx([0.8, 2 * 0.08 / 0.9, 0.0])
    assert harmonic(a, b)[1] < (a[1] + b[1]) / 2


def test_thematic_mixes_cosine_and_jaccard() -> None:
    q = E[0]
    cands = E[[0, 1]]
    qf = np.array([1, 1, 0], dtype=np.float32)
    cf = np.array([[1, 0, 0], [0, 0, 1]], dtype=np.float32)
    assert thematic(cands @ q, qf, cf).tolist() == pytest.approx([0.5 * 1 + 0.5 * 0.5, 0.0])


def test_relatedness_uses_best_phi_per_candidate_field() -> None:
    phi = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.2], [0.0, 0.2, 1.0]], dtype=np.float32)
    qf = np.array([1, 0, 0], dtype=np.float32)
    cf = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=np.float32)
    assert relatedness(qf, cf, phi).tolist() == pytest.approx([0.3, 1.0, 0.0])


def test_roles_added_counts_missing_roles_only() -> None:
    q = np.array([1, 0, 0, 0], dtype=np.float32)
    c = np.array([[1, 1, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    assert roles_added(q, c).tolist() == pytest.approx([1 / 3, 0.0])


def test_parity_is_one_for_equal_sizes_and_neutral_when_unknown() -> None:
    out = parity(99.0, np.array([99.0, 999.0, np.nan], dtype=np.float32))
    assert out[0] == pytest.approx(1.0)
    assert out[1] == pytest.approx(math.exp(-1), rel=1e-2)
    assert out[2] == pytest.approx(0.5)
    assert parity(float("nan"), np.array([5.0], dtype=np.float32)).tolist() == [0.5]
