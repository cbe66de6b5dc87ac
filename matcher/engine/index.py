"""Nearest-neighbour search over embedding rows: FAISS, with an exact numpy oracle.

The vectors are the source of truth (saved as ``.npy``); a FAISS index is a cache built from them.
Callers get row positions back, never trust them blindly: ``-1`` padding is dropped here and rows
are mapped to profile ids by the caller's explicit owner arrays. Inputs are checked before they
reach FAISS, which only asserts.

Below ``approximate_threshold`` rows the index is exact (``IndexFlatIP``) and agrees with
:func:`exact_search`; from it on, an inverted-file index (``IndexIVFFlat``, inner product) with
``nlist = 4 * sqrt(n)`` lists trained on a seeded sample, searched with ``nprobe`` lists; the
benchmark tunes ``nprobe`` so that recall@10 against exact search is at least 0.95.
"""

from __future__ import annotations

import logging
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError
from .embedding import Vectors

logger = logging.getLogger(__name__)

Positions = npt.NDArray[np.int64]

#: Lists probed per query by the approximate index (recall@10 >= 0.95 in BENCHMARKS.md).
DEFAULT_NPROBE = 48
#: Training vectors per inverted list (FAISS recommends 30 to 256).
TRAIN_PER_LIST = 40


def check_vectors(x: npt.NDArray[np.float32], dimension: int, name: str) -> Vectors:
    """Raise unless ``x`` is a finite (n, dimension) float32 matrix; return it contiguous."""
    if not isinstance(x, np.ndarray) or x.ndim != 2:
        raise InvalidInputError(f"{name} must be a 2-d array", field=name)
    if x.shape[1] != dimension:
        raise InvalidInputError(f"{name} has dimension {x.shape[1]}, expected {dimension}", field=name)
    if x.dtype != np.float32:
        raise InvalidInputError(f"{name} must be float32, got {x.dtype}", field=name)
    if not np.isfinite(x).all():
        raise InvalidInputError(f"{name} contains NaN or infinite values", field=name)
    return np.ascontiguousarray(x)


def exact_search(queries: Vectors, vectors: Vectors, k: int) -> tuple[Vectors, Positions]:
    """Top-``k`` inner products by brute force.

    Args:
        queries: (q, d) float32.
        vectors: (n, d) float32.
        k: neighbours wanted; at most n are returned.

    Returns:
        scores (q, min(k, n)) float32 and positions (q, min(k, n)) int64, best first; ties are
        broken by lower position.
    """
    k = min(k, vectors.shape[0])
    sims = queries @ vectors.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), order.astype(np.int64)


class VectorIndex:
    """A FAISS inner-product index over (n, d) L2-normalised rows."""

    def __init__(self, vectors: Vectors, *, approximate_threshold: int = 200_000,
                 nprobe: int = DEFAULT_NPROBE, seed: int = 0) -> None:
        vectors = check_vectors(vectors, vectors.shape[1] if vectors.ndim == 2 else 0, "vectors")
        self.dimension = int(vectors.shape[1])
        self.size = int(vectors.shape[0])
        self.approximate = self.size >= approximate_threshold
        index: Any
        if self.approximate:
            nlist = int(min(max(4 * np.sqrt(self.size), 16), 8192))
            quantizer = faiss.IndexFlatIP(self.dimension)
            index = faiss.IndexIVFFlat(quantizer, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(seed).choice(
                self.size, size=min(self.size, TRAIN_PER_LIST * nlist), replace=False)
            index.cp.seed = seed
            index.train(vectors[np.sort(sample)])
            index.nprobe = nprobe
            self.quantizer = quantizer  # FAISS does not own it from Python; keep it alive
        else:
            index = faiss.IndexFlatIP(self.dimension)
        if self.size:
            index.add(vectors)
        self.index = index
        self.kind = "ivf" if self.approximate else "flat"

    def set_nprobe(self, nprobe: int) -> None:
        if self.approximate:
            self.index.nprobe = nprobe

    def search(self, queries: Vectors, k: int) -> list[tuple[Vectors, Positions]]:
        """Per query, (scores, positions) of up to ``k`` neighbours, best first, no padding."""
        queries = check_vectors(queries, self.dimension, "queries")
        if k < 1:
            raise InvalidInputError("k must be >= 1", field="k")
        k = min(k, self.size)
        if k == 0 or len(queries) == 0:
            return [(np.zeros(0, np.float32), np.zeros(0, np.int64)) for _ in range(len(queries))]
        scores, positions = self.index.search(queries, k)
        out = []
        for row_scores, row_pos in zip(scores, positions, strict=True):
            keep = row_pos >= 0
            out.append((row_scores[keep].astype(np.float32), row_pos[keep].astype(np.int64)))
        return out
