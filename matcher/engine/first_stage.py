"""The first stage of a two-stage ranking for large catalogues: which candidates can reach the top.

In a catalogue of ``MatcherConfig.two_stage_from`` profiles or more, the dense scans over every
profile's vectors cost most of a query: those of the complementarity component (the query's seeks
against every offer row, its offers against every seek row) and the profile-vector cosines of the
thematic component. The first stage estimates both components (:data:`ESTIMATED`) for every
profile with the same products on vectors projected onto the leading principal directions of the
bundle's offer and seek rows, and of its profile vectors (``MatcherConfig.two_stage_dims`` of
them, a sixth of the data at 64 of 384). The other components read no vectors and are exact for
every profile.
The ranking (:mod:`matcher.engine.ranking`) weighs the estimates with them, keeps the best few
hundred candidates and computes the exact components only for those; it measures recall against
exact scoring in ``tests/test_two_stage.py``.

Standardising needs each component's mean and spread over the query's reference pool (every
profile but the query). Those of the exact components come from the first stage, which computes
them for every profile anyway. Those of the estimated ones are the regression estimate
(:func:`regression_moments`) from their exact values on a fixed sample of profiles, drawn once per
bundle with a fixed seed (:attr:`FirstStage.sample_`), and the first stage's estimate for every
profile. On the 10,000 synthetic profiles (30 queries, a sample of 1,000) the sample's own
spread was off by 2.8% (rms), enough to reorder near-equal candidates (recall@10 against the
exact lists 0.97 over 100 queries); the regression estimate was off by 0.03% (recall 1.0). It
is only as good as the estimate follows the exact values: with an estimate no better than chance
it falls back to the sample's own moments.
A fixed sample means a query's scores depend neither on the filters nor on which candidates the
first stage kept; the cheapest alternative, moments once per bundle, would not follow the query.

Pure tier: :func:`principal_basis`, :func:`complementarity_estimate`, :func:`regression_moments`,
:func:`top_positions`; thin tier: :class:`FirstStage`, fitted on a bundle's vectors.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NotFittedError
from .complementarity import (
    Array,
    Index,
    Moments,
    directional_fit,
    gather_rows,
    harmonic,
    reverse_fit,
)

if TYPE_CHECKING:
    from .bundle import ProfileVectors

#: Seed of the fixed sample of profiles whose exact values give the pool statistics.
SAMPLE_SEED = 0

#: The components the first stage estimates on projected vectors; the others it computes exactly.
ESTIMATED: tuple[str, ...] = ("complementarity", "thematic")


def principal_basis(matrix: Array, dims: int) -> Array:
    """(d, r) float32 orthonormal columns spanning the ``r = min(dims, d, n)`` leading directions of
    ``matrix`` (n, d) (uncentred, so that dot products, not deviations, are kept)."""
    _, _, vt = np.linalg.svd(matrix.astype(np.float64), full_matrices=False)
    out: Array = np.ascontiguousarray(vt[:dims].T, dtype=np.float32)
    return out


def complementarity_estimate(needs: Array, answers: Array, answer_rows: Array,
                             answer_offsets: Index, need_rows: Array, need_offsets: Index,
                             basis: Array) -> Array:
    """(N,) float32 estimate of the complementarity of every profile for one query: the exact
    formula (:func:`~matcher.engine.complementarity.directional_fit`, ``reverse_fit``,
    ``harmonic``) on rows projected onto ``basis``.

    Args:
        needs: (m, d) float32, the query's seeks; answers: (k, d) float32, its offers (either may
            be empty, which gives 0 as the exact component does).
        answer_rows: (R, r) float32, every profile's offers projected, CSR ``answer_offsets``
            (N+1,); need_rows: (S, r) float32, its seeks projected, ``need_offsets`` (N+1,).
        basis: (d, r) float32, the projection.
    """
    ours = directional_fit(needs @ basis, answer_rows, answer_offsets)
    theirs = reverse_fit(answers @ basis, need_rows, need_offsets)
    return harmonic(ours, theirs)


def regression_moments(exact: Array, estimated: Array, pool_estimate: Moments) -> Moments:
    """The mean and standard deviation over a pool of a value known exactly on a sample of it and
    estimated everywhere: the regression estimator (Cochran, *Sampling Techniques*, ch. 7).

    ``y = a + b x + e`` is fitted on the sample; the pool's mean is ``mean_s(y) + b (mean(X) -
    mean_s(x))`` and its variance ``b**2 var(X) + var_s(e)``. Where the estimate follows the
    value closely this is far closer than the sample's own moments (a sample of 1,000 moved the
    standard deviation by a few percent, enough to reorder near-equal candidates).

    Args:
        exact: (s,) the exact values on the sample; estimated: (s,) their estimates.
        pool_estimate: the :class:`~matcher.engine.complementarity.Moments` of the estimate on
            the whole pool.
    """
    y, x = exact.astype(np.float64), estimated.astype(np.float64)
    if len(y) < 2:
        return Moments.of(exact)
    x_var = float(x.var())
    b = float(((x - x.mean()) * (y - y.mean())).mean() / x_var) if x_var > 1e-12 else 0.0
    residual = y - y.mean() - b * (x - x.mean())
    mean = np.float64(y.mean() + b * (float(pool_estimate.mean) - x.mean()))
    return Moments(mean, math.sqrt(b * b * pool_estimate.std**2 + float(residual.var())))


def top_positions(estimate: Array, keep: int) -> Index:
    """(min(keep, n),) int64 positions of the ``keep`` largest values of ``estimate`` (n,), in
    ascending position order (ties at the cut: whichever ``argpartition`` takes)."""
    if keep >= len(estimate):
        return np.arange(len(estimate), dtype=np.int64)
    part = np.argpartition(-estimate, keep - 1)[:keep]
    out: Index = np.sort(part).astype(np.int64)
    return out


class FirstStage:
    """The per-bundle state of the first stage.

    Args:
        dims: dimensions of the projected offer and seek rows.
        sample: profiles in the fixed sample for the complementarity pool statistics.
        seed: of that sample.
    """

    def __init__(self, dims: int, sample: int, seed: int = SAMPLE_SEED) -> None:
        self.dims = dims
        self.sample = sample
        self.seed = seed

    def fit(self, vectors: ProfileVectors) -> FirstStage:
        """Fit on a bundle's :class:`~matcher.engine.bundle.ProfileVectors`; returns ``self``."""
        rng = np.random.default_rng(self.seed)
        rows = np.concatenate([vectors.offers, vectors.seeks])
        # The leading directions from a bounded sample of both sides' rows.
        some = rows[np.sort(rng.choice(len(rows), min(len(rows), 4096), replace=False))]
        self.basis_: Array = principal_basis(some, self.dims)
        self.offers_: Array = np.ascontiguousarray(vectors.offers @ self.basis_)
        self.seeks_: Array = np.ascontiguousarray(vectors.seeks @ self.basis_)
        self.offer_offsets_: Index = vectors.offer_offsets
        self.seek_offsets_: Index = vectors.seek_offsets
        n = len(vectors.offer_offsets) - 1
        # The profile vectors likewise, on their own leading directions.
        some = vectors.profile[np.sort(rng.choice(n, min(n, 4096), replace=False))]
        self.profile_basis_: Array = principal_basis(some, self.dims)
        self.profiles_: Array = np.ascontiguousarray(vectors.profile @ self.profile_basis_)
        self.sample_: Index = np.sort(rng.choice(n, min(n, self.sample), replace=False)
                                      ).astype(np.int64)
        self.sample_profiles_: Array = np.ascontiguousarray(vectors.profile[self.sample_])
        # The sample's rows, whole, in one block each: scanned every query without gathering.
        self.sample_offers_, self.sample_offer_offsets_ = _block(
            vectors.offers, vectors.offer_offsets, self.sample_)
        self.sample_seeks_, self.sample_seek_offsets_ = _block(
            vectors.seeks, vectors.seek_offsets, self.sample_)
        return self

    def sample_complementarity(self, seeks: Array, offers: Array) -> Array:
        """(len(sample_),) float32 the exact complementarity of the sample's profiles for a query
        with ``seeks`` (m, d) and ``offers`` (k, d)."""
        if not hasattr(self, "sample_"):
            raise NotFittedError("FirstStage is not fitted; call fit(vectors) first")
        return harmonic(directional_fit(seeks, self.sample_offers_, self.sample_offer_offsets_),
                        reverse_fit(offers, self.sample_seeks_, self.sample_seek_offsets_))

    def cosines(self, profile: Array) -> Array:
        """(N,) float32 estimate of every profile vector's cosine to a query's ``profile`` (d,):
        both projected onto the profile vectors' leading directions."""
        if not hasattr(self, "profiles_"):
            raise NotFittedError("FirstStage is not fitted; call fit(vectors) first")
        out: Array = self.profiles_ @ (profile @ self.profile_basis_)
        return out

    def sample_cosines(self, profile: Array) -> Array:
        """(len(sample_),) float32 the exact cosines of the sample's profile vectors to
        ``profile`` (d,)."""
        if not hasattr(self, "sample_profiles_"):
            raise NotFittedError("FirstStage is not fitted; call fit(vectors) first")
        out: Array = self.sample_profiles_ @ profile
        return out

    def complementarity(self, seeks: Array, offers: Array) -> Array:
        """(N,) float32 :func:`complementarity_estimate` of every profile for a query with
        ``seeks`` (m, d) and ``offers`` (k, d)."""
        if not hasattr(self, "basis_"):
            raise NotFittedError("FirstStage is not fitted; call fit(vectors) first")
        return complementarity_estimate(seeks, offers, self.offers_, self.offer_offsets_,
                                        self.seeks_, self.seek_offsets_, self.basis_)


def _block(rows: Array, offsets: Index, profiles: Index) -> tuple[Array, Index]:
    """The rows (R', d) of ``profiles`` copied into one block, and their CSR offsets."""
    picked, seg = gather_rows(offsets, profiles)
    lengths = offsets[profiles + 1] - offsets[profiles]
    block_offsets: Index = np.concatenate([seg, [int(lengths.sum())]]).astype(np.int64)
    return np.ascontiguousarray(rows[picked]), block_offsets
