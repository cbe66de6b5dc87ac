"""Ranking partners for a query profile: filters, shortlist, score, diversify, explain.

:class:`Matcher` is the thin tier: it resolves a query (catalogue id or ad-hoc profile) to arrays,
applies the filters as a mask, shortlists with FAISS when the catalogue is large, scores the
candidates with :mod:`matcher.complementarity` in one batch, picks the top-k (with maximal
marginal relevance when diversity is on) and explains each pick. :func:`mmr_select` and
:mod:`matcher.filters` are the pure tier.

Two scopes: ``all`` (the main list) and ``cross_field`` ("beyond your field": partners from
fields linked to the query's, ranked by two-sided need/offer fit and the link, a typical fit held
against them; see :mod:`matcher.value_chain`).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..catalogue.catalogue import parse_query_profile
from ..catalogue.geography import Geography
from ..catalogue.places import PlacesNamed, places_named
from ..catalogue.profiles import ROLES, Profile
from ..config import (
    COMPONENTS,
    LIFT_FROM,
    LIFTED_BY_MAX,
    PLACE_WISH_MARGIN,
    STANDS_OUT_SHARE,
    MatcherConfig,
    Weights,
)
from ..errors import InvalidInputError
from ..messages import Reason
from .bundle import Bundle, ProfileVectors, offer_texts, seek_texts
from .complementarity import (
    Array,
    Moments,
    directional_fit,
    gather_rows,
    harmonic,
    logistic,
    parity,
    relatedness,
    reverse_fit,
    roles_added,
    standardise,
    thematic,
    typical_fit,
)
from .embedding import Embedder, EmbeddingCache, get_embedder
from .explanation import Explanation, Peer, explain
from .filters import FilterIndex, Filters, Mask, check_filters, in_places
from .first_stage import ESTIMATED, FirstStage, regression_moments, top_positions
from .index import VectorIndex
from .lexical import profile_words
from .value_chain import FieldLink, FieldLinks, cross_field_score, eligible, value_chain_link

logger = logging.getLogger(__name__)

#: What a list covers: every candidate, or only partners from other, linked fields.
SCOPES: tuple[str, ...] = ("all", "cross_field")


@dataclass(frozen=True)
class QueryArrays:
    """What scoring needs of a query: (d,) profile vector, (m, d) seeks, (k, d) offers rows and
    its (1, V) lexical row."""

    profile: Array
    seeks: Array
    offers: Array
    lexical: sparse.csr_matrix


@dataclass(frozen=True)
class Standing:
    """Where a suggestion stands among the candidates scored for its query.

    ``rank`` is 1 for the best score of the ``pool`` (ties share the better rank); ``lifted_by``
    names the components that lifted the score most, biggest first (empty where none added
    :data:`~matcher.config.LIFT_FROM` or for a "beyond your field" score, which is made
    differently).
    """

    rank: int
    pool: int
    lifted_by: tuple[str, ...] = ()

    @property
    def top_percent(self) -> int:
        """The share of the pool at or above this rank, in whole percent (at least 1)."""
        return max(1, math.ceil(100 * self.rank / max(self.pool, 1)))

    @property
    def stands_out(self) -> bool:
        return self.rank <= STANDS_OUT_SHARE * self.pool

    def label(self, kind: str) -> str:
        """The label a reader sees: the kind of partnership (see
        :func:`~matcher.engine.explanation.partnership_label`), except that a suggestion which
        stands out among the candidates is a "broad fit" rather than a "weak fit" (no single part
        is strong, several together lift it)."""
        return "broad fit" if kind == "weak fit" and self.stands_out else kind

    def reasons(self) -> list[Reason]:
        """The standing and what lifted the score, as reasons for the message catalogue."""
        out = [Reason("standing", {"rank": self.rank, "pool": self.pool,
                                   "percent": self.top_percent})]
        if self.lifted_by:
            out.append(Reason("lifted", {"parts": list(self.lifted_by)}))
        return out


def standings(scores: Array, picks: Sequence[int], contributions: Array | None = None,
              pool: int | None = None) -> list[Standing]:
    """The standing of each pick among all scored candidates.

    Args:
        scores: (n,) float32, every candidate scored for the query, or (two-stage ranking) the
            best of them, which hold every candidate that scores above a pick.
        picks: positions into ``scores``.
        contributions: (n, len(COMPONENTS)) float32, what each component added to the weighted
            sum behind the score; None where the score is not such a sum.
        pool: how many candidates there are; default ``len(scores)``.
    """
    size = len(scores) if pool is None else pool
    out = []
    for i in picks:
        rank = 1 + int((scores > scores[i]).sum())
        lifted: tuple[str, ...] = ()
        if contributions is not None:
            row = contributions[i]
            order = np.argsort(-row, kind="stable")[:LIFTED_BY_MAX]
            lifted = tuple(COMPONENTS[j] for j in order if row[j] >= LIFT_FROM)
        out.append(Standing(rank, size, lifted))
    return out


@dataclass(frozen=True)
class Match:
    """One suggested partner; ``standing`` (where it stands among the candidates) is for the
    pages and is not part of :meth:`to_dict`."""

    id: str
    name: str
    country: str
    region: str
    world_region: str
    fields: tuple[str, ...]
    score: float
    explanation: Explanation
    standing: Standing | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than asdict(self), which would convert the explanation a second
        # time only to be replaced; the result is the same.
        return {"id": self.id, "name": self.name, "country": self.country, "region": self.region,
                "world_region": self.world_region, "fields": list(self.fields),
                "score": self.score, "explanation": self.explanation.to_dict()}


@dataclass(frozen=True)
class MatchResult:
    """The query as understood (with any field mappings) and its matches, best first."""

    query: Profile
    matches: list[Match]
    field_mappings: list[dict[str, Any]] = field(default_factory=list)
    candidates: int = 0
    scope: str = "all"
    #: The places the query asked for, preferred in its list (:func:`prefer_places`).
    wished: PlacesNamed = field(default_factory=PlacesNamed)

    def by_world_region(self) -> list[tuple[str, int]]:
        """How many matches fall in each world region, most first."""
        return Counter(m.world_region for m in self.matches).most_common()

    def to_dict(self) -> dict[str, Any]:
        query = self.query.to_dict()
        if self.field_mappings:
            query["field_mappings"] = self.field_mappings
        return {"query": query, "scope": self.scope, "matches": [m.to_dict() for m in self.matches]}


def wished_places(query: Profile, geography: Geography) -> PlacesNamed:
    """The places an ad-hoc query asks for: those named in its description and seeks, less its
    own country (where it is, not where it looks)."""
    text = "\n".join([query.description, *query.seeks])
    return places_named(text, geography).without(query.country)


def prefer_places(scores: Array, wished: Mask, margin: float = PLACE_WISH_MARGIN) -> Array:
    """The scores by which a list is chosen when the query asked for places: ``scores`` (n,)
    plus ``margin`` where ``wished`` (n,) bool; a candidate in a wished place so wins over one
    elsewhere that scores less than ``margin`` more (:data:`~matcher.config.PLACE_WISH_MARGIN`)."""
    return scores + margin * wished.astype(scores.dtype)


def mmr_select(
    scores: Array,
    vectors: Array,
    countries: Sequence[str],
    k: int,
    *,
    lam: float,
    country_weight: float,
    max_per_country: int,
) -> list[int]:
    """Pick ``k`` positions by maximal marginal relevance (Carbonell and Goldstein 1998).

    Redundancy of d to the chosen set is ``max over chosen s of
    (1 - country_weight) * cos(d, s) + country_weight * [same country]``; each step takes
    ``argmax lam * score - (1 - lam) * redundancy``; at most ``max_per_country`` per country
    (0 = no cap) while other countries remain.

    Args:
        scores: (n,) float32. vectors: (n, d) float32 L2-normalised. countries: n codes.
    """
    n = len(scores)
    chosen: list[int] = []
    redundancy = np.zeros(n, dtype=np.float32)
    available = np.ones(n, dtype=bool)
    per_country: dict[str, int] = {}
    country_arr = np.asarray(countries)
    while len(chosen) < min(k, n):
        value = lam * scores - (1.0 - lam) * redundancy
        allowed = available.copy()
        if max_per_country:
            capped = [c for c, count in per_country.items() if count >= max_per_country]
            if capped:
                within = allowed & ~np.isin(country_arr, capped)
                if within.any():
                    allowed = within
        value = np.where(allowed, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        per_country[countries[best]] = per_country.get(countries[best], 0) + 1
        sim = np.clip(vectors @ vectors[best], 0.0, 1.0)
        same = (country_arr == countries[best]).astype(np.float32)
        redundancy = np.maximum(redundancy, (1 - country_weight) * sim + country_weight * same)
    return chosen


class Matcher:
    """Suggests complementary partners from a loaded bundle.

    Args:
        bundle: the loaded bundle (catalogue snapshot and vectors).
        config: ranking settings; default the ones recorded in the bundle's manifest.
        embedder: for ad-hoc profiles; by default created lazily from the manifest's name.
    """

    def __init__(self, bundle: Bundle, config: MatcherConfig | None = None,
                 embedder: Embedder | None = None) -> None:
        self.bundle = bundle
        self.catalogue = bundle.catalogue
        self.config = config or bundle.config
        self._embedder = embedder
        self._prepare(bundle.vectors)

    def _prepare(self, vectors: ProfileVectors) -> None:
        cat = self.catalogue
        tax = cat.reference.taxonomy
        self.vectors = vectors
        self.row = {pid: i for i, pid in enumerate(vectors.ids)}
        self.field_matrix = tax.indicator([p.fields for p in cat.profiles])
        self.field_counts = self.field_matrix.sum(axis=1)  # each profile's fields, summed once
        self.role_matrix = np.asarray(
            [[1.0 if r in p.roles else 0.0 for r in ROLES] for p in cat.profiles], dtype=np.float32
        ).reshape(len(cat.profiles), len(ROLES))
        self.members = np.asarray(
            [np.nan if p.members is None else float(p.members) for p in cat.profiles],
            dtype=np.float32,
        )
        self.filter_index = FilterIndex(cat)
        self.lexical_rows = self.bundle.lexical_rows
        self.profile_index = VectorIndex(vectors.profile,
                                         approximate_threshold=self.config.approximate_threshold)
        self.offer_index = VectorIndex(vectors.offers,
                                       approximate_threshold=self.config.approximate_threshold)
        self.offer_owner = np.repeat(np.arange(len(vectors.ids)), np.diff(vectors.offer_offsets))
        self.field_links = FieldLinks(cat)
        # the fit with an average German cluster (all profiles where there is none), held
        # against candidates of the "beyond your field" list
        reference = np.asarray([self.row[p.id] for p in cat.german()] or range(len(vectors.ids)),
                               dtype=np.int64)
        self.typical = typical_fit(vectors.seeks[gather_rows(vectors.seek_offsets, reference)[0]],
                                   vectors.offers[gather_rows(vectors.offer_offsets, reference)[0]],
                                   vectors.offers, vectors.offer_offsets,
                                   vectors.seeks, vectors.seek_offsets)
        self.german_partners = cat.german_partners()
        self._last_components: tuple[Profile, dict[str, Array]] | None = None
        cfg = self.config
        n = len(vectors.ids)
        self.first_stage = (FirstStage(cfg.two_stage_dims, cfg.two_stage_sample).fit(vectors)
                            if cfg.two_stage_from <= n <= cfg.shortlist else None)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.bundle.embedder_name)
        return self._embedder

    def with_profile(self, profile: Profile) -> Matcher:
        """A new matcher whose catalogue has ``profile`` added or replaced (see
        :meth:`with_profiles`)."""
        return self.with_profiles([profile])

    def with_profiles(self, profiles: Iterable[Profile]) -> Matcher:
        """A new matcher whose catalogue has ``profiles`` added or replaced, in one step; those
        equal to the profile already held are skipped (``self`` if none differs).

        Only the texts of the changed profiles that are new are embedded; every other row is
        reused.
        """
        changed = {p.id: p for p in profiles if self.catalogue.by_id.get(p.id) != p}
        if not changed:
            return self
        catalogue = self.catalogue.with_profiles(changed.values())
        cache = EmbeddingCache(None, self.embedder)
        cache.add(ProfileVectors.flat_texts(self.catalogue.profiles), self.vectors.as_flat())
        vectors = ProfileVectors.embed(catalogue.profiles, cache.encode)
        manifest = {**self.bundle.manifest, "data_hash": catalogue.data_hash()}
        # The TF-IDF model stays as fitted at build time; only the changed rows are computed.
        lexical = self.bundle.lexical
        computed = lexical.transform([profile_words(p) for p in changed.values()])
        # One gather over the old rows and the computed ones (a row-by-row stack of 10,000
        # profiles took 0.3 s).
        old = self.lexical_rows.shape[0]
        place = {pid: old + i for i, pid in enumerate(changed)}
        take = np.fromiter((place[p.id] if p.id in place else self.row[p.id]
                            for p in catalogue.profiles), dtype=np.int64,
                           count=len(catalogue.profiles))
        rows = sparse.vstack([self.lexical_rows, computed], format="csr")[take]
        bundle = Bundle(self.bundle.path, manifest, catalogue, vectors, lexical, rows)
        return Matcher(bundle, self.config, self._embedder)

    # --- the query side -------------------------------------------------------------------
    def _query_arrays(self, query: Profile) -> QueryArrays:
        """The query's profile vector, seeks and offers rows, and lexical row."""
        if query.id in self.row and self.catalogue.by_id.get(query.id) == query:
            i = self.row[query.id]
            v = self.vectors
            return QueryArrays(
                v.profile[i],
                v.seeks[v.seek_offsets[i] : v.seek_offsets[i + 1]],
                v.offers[v.offer_offsets[i] : v.offer_offsets[i + 1]],
                self.lexical_rows[i],
            )
        seeks, offers = seek_texts(query), offer_texts(query)
        vecs = self.embedder.encode_query([query.text(), *seeks, *offers])
        return QueryArrays(vecs[0], vecs[1 : 1 + len(seeks)], vecs[1 + len(seeks) :],
                           self.bundle.lexical.transform([profile_words(query)]))

    # --- candidates -----------------------------------------------------------------------
    def _shortlist(self, mask: Mask, profile_vec: Array, seeks: Array) -> npt.NDArray[np.int64]:
        allowed = np.flatnonzero(mask)
        limit = self.config.shortlist
        if len(allowed) <= limit:
            return allowed.astype(np.int64)
        # Over-fetch by the number of masked-out rows so that filtering leaves enough.
        fetch = limit + int((~mask).sum())
        found: dict[int, None] = {}
        for _, pos in self.profile_index.search(profile_vec[None, :], fetch):
            found.update(dict.fromkeys(int(p) for p in pos if mask[p]))
        per_seek = max(limit // max(len(seeks), 1), 10) + int((~mask).sum())
        for _, pos in self.offer_index.search(seeks, per_seek):
            found.update(dict.fromkeys(int(self.offer_owner[p]) for p in pos
                                       if mask[self.offer_owner[p]]))
        return np.fromiter(found, dtype=np.int64)

    def components(self, query: Profile, candidates: npt.NDArray[np.int64],
                   arrays: QueryArrays) -> dict[str, Array]:
        """The score components {name: (n,) in [0, 1]} of ``candidates`` (row positions)."""
        cheap = self._cheap_components(query, candidates, arrays)
        return {name: cheap[name] if name in cheap else self._complementarity(candidates, arrays)
                for name in COMPONENTS}

    def _complementarity(self, candidates: npt.NDArray[np.int64], arrays: QueryArrays) -> Array:
        """The exact complementarity (n,) of ``candidates``: the dense scans of offers and seeks."""
        v = self.vectors
        if 4 * len(candidates) >= len(self.row):
            # Most profiles are candidates: compute for all without copying rows, then select.
            ours = directional_fit(arrays.seeks, v.offers, v.offer_offsets)[candidates]
            theirs = reverse_fit(arrays.offers, v.seeks, v.seek_offsets)[candidates]
        else:
            ours = directional_fit(arrays.seeks, v.offers, v.offer_offsets, candidates)
            theirs = reverse_fit(arrays.offers, v.seeks, v.seek_offsets, candidates)
        return harmonic(ours, theirs)

    def _cheap_components(self, query: Profile, candidates: npt.NDArray[np.int64] | None,
                          arrays: QueryArrays, cosines: Array | None = None,
                          ) -> dict[str, Array]:
        """Every component but complementarity, {name: (n,)}, of ``candidates`` (None: of every
        profile); one product per profile, no scan of offer or seek rows. ``cosines`` (n,): the
        candidates' profile-vector cosines to the query where already known (the first stage's
        estimate), else computed."""
        profile_vec = arrays.profile
        tax = self.catalogue.reference.taxonomy
        v = self.vectors
        q_fields = tax.indicator([query.fields])[0]
        q_roles = np.asarray([1.0 if r in query.roles else 0.0 for r in ROLES], dtype=np.float32)
        q_members = float("nan") if query.members is None else float(query.members)
        if candidates is None:
            cand_fields, cand_roles, cand_members = self.field_matrix, self.role_matrix, self.members
            cand_counts = self.field_counts
            cosines = v.profile @ profile_vec if cosines is None else cosines
            lexical = np.asarray(self.lexical_rows @ arrays.lexical.toarray().ravel())
        else:
            cand_fields, cand_counts = self.field_matrix[candidates], self.field_counts[candidates]
            cand_roles, cand_members = self.role_matrix[candidates], self.members[candidates]
            if 4 * len(candidates) >= len(self.row):
                if cosines is None:
                    cosines = (v.profile @ profile_vec)[candidates]
                lexical = self.lexical_rows @ arrays.lexical.toarray().ravel()
                lexical = np.asarray(lexical)[candidates]
            else:
                if cosines is None:
                    cosines = v.profile[candidates] @ profile_vec
                lexical = np.asarray(
                    self.lexical_rows[candidates] @ arrays.lexical.toarray().ravel())
        return {
            "thematic": thematic(cosines, q_fields, cand_fields, cand_counts),
            "lexical": np.clip(lexical, 0.0, 1.0).astype(np.float32),
            "relatedness": relatedness(q_fields, cand_fields, tax.phi, cand_counts),
            "roles": roles_added(q_roles, cand_roles),
            "parity": parity(q_members, cand_members),
        }

    def features(self, query: Profile, candidates: npt.NDArray[np.int64], arrays: QueryArrays,
                 ) -> tuple[Array, dict[str, Array]]:
        """The (n, len(COMPONENTS)) matrix the ranking weighs, and the raw components.

        With ``config.standardise`` each component is standardised over the query's reference
        pool (every profile but the query, or the shortlist in a catalogue larger than
        ``config.shortlist``), so that a weight says how much standing out in that component
        counts, whatever the component's spread for this query; the pool does not depend on the
        filters, so filtering does not change a candidate's score. From
        ``config.two_stage_from`` profiles on, complementarity's mean and spread come from a fixed
        sample of the pool (:mod:`matcher.engine.first_stage`).
        """
        if not self.config.standardise:
            raw = self.components(query, candidates, arrays)
            return np.stack([raw[c] for c in COMPONENTS], axis=1), raw
        raw, pooled = self._components_and_pool(query, candidates, arrays)
        return standardise(raw, pooled), raw

    def _components_and_pool(self, query: Profile, candidates: npt.NDArray[np.int64],
                             arrays: QueryArrays,
                             ) -> tuple[dict[str, Array], Mapping[str, Array | Moments]]:
        """The raw components of ``candidates`` and of the query's reference pool (every profile
        but the query, or the candidates themselves above ``config.shortlist``; in two-stage
        ranking complementarity's pool is a fixed sample of it, see :meth:`_second_stage`)."""
        n = len(self.row)
        if n > self.config.shortlist:
            raw = self.components(query, candidates, arrays)
            return raw, raw
        if self.first_stage is not None:
            return self._second_stage(query, candidates, arrays,
                                      *self._first_stage(self.first_stage, query, arrays))
        every = self._every_components(query, arrays)
        raw = {name: values[candidates] for name, values in every.items()}
        own = self.row.get(query.id)
        pooled = every if own is None else {k: np.delete(v, own) for k, v in every.items()}
        return raw, pooled

    def _every_components(self, query: Profile, arrays: QueryArrays) -> dict[str, Array]:
        """The components of every profile for ``query``. Those of the last catalogue query are
        kept: a cluster's page asks for its two lists (all, cross_field) one after the other, and
        a catalogue query's arrays come from the bundle, so its components are the same both
        times. Read-only for callers; an ad-hoc query is always computed afresh."""
        known = query.id in self.row and self.catalogue.by_id.get(query.id) == query
        held = self._last_components  # one read: another thread may replace it meanwhile
        if known and held is not None and held[0] == query:
            return held[1]
        every = self.components(query, np.arange(len(self.row), dtype=np.int64), arrays)
        if known:
            self._last_components = (query, every)
        return every

    def _first_stage(self, first_stage: FirstStage, query: Profile, arrays: QueryArrays,
                     ) -> tuple[dict[str, Array], dict[str, Moments]]:
        """Every profile's components {name: (N,)}: those of :data:`ESTIMATED` estimated (on the
        first stage's projected vectors), the others exact; and their :class:`Moments` over the
        query's reference pool (every profile but the query), computed once for both stages."""
        every = self._cheap_components(query, None, arrays,
                                       cosines=first_stage.cosines(arrays.profile))
        every["complementarity"] = first_stage.complementarity(arrays.seeks, arrays.offers)
        own = self.row.get(query.id)
        moments = {k: Moments.of(v if own is None else np.delete(v, own)) for k, v in every.items()}
        return every, moments

    def _second_stage(self, query: Profile, kept: npt.NDArray[np.int64], arrays: QueryArrays,
                      every: dict[str, Array], pooled: dict[str, Moments],
                      ) -> tuple[dict[str, Array], Mapping[str, Array | Moments]]:
        """The exact components of ``kept`` (row positions) and those of the reference pool.

        ``every`` and ``pooled`` are :meth:`_first_stage`'s: the components it computes exactly
        are taken from them, exact for the whole pool. Those of :data:`ESTIMATED` are computed
        for ``kept`` and for the first stage's fixed sample of profiles (less the query); their
        mean and spread over the pool are the regression estimate from the sample's exact values
        and every profile's first-stage estimate
        (:func:`~matcher.engine.first_stage.regression_moments`): products over a few hundred
        profiles instead of every one.
        """
        first_stage = self.first_stage
        exact_kept = {"complementarity": self._complementarity(kept, arrays),
                      "thematic": self._thematic(query, kept, self.vectors.profile[kept]
                                                 @ arrays.profile)}
        raw = {name: exact_kept[name] if name in ESTIMATED else every[name][kept]
               for name in COMPONENTS}
        pool: dict[str, Array | Moments] = {**pooled}
        if first_stage is not None:
            sample = first_stage.sample_
            exact = {"complementarity": first_stage.sample_complementarity(arrays.seeks,
                                                                           arrays.offers),
                     "thematic": self._thematic(query, sample,
                                                first_stage.sample_cosines(arrays.profile))}
            others = sample != self.row.get(query.id, -1)
            for name in ESTIMATED:
                pool[name] = regression_moments(exact[name][others], every[name][sample[others]],
                                                pooled[name])
        return raw, pool

    def _thematic(self, query: Profile, rows: npt.NDArray[np.int64], cosines: Array) -> Array:
        """(len(rows),) the thematic component of the profiles at ``rows`` given their
        profile-vector ``cosines`` to the query."""
        q_fields = self.catalogue.reference.taxonomy.indicator([query.fields])[0]
        return thematic(cosines, q_fields, self.field_matrix[rows], self.field_counts[rows])

    def _keep(self, top: int) -> int:
        """How many candidates the first stage keeps for a list of ``top``: at least twice the
        candidates that diversity chooses from (:meth:`_select`)."""
        return max(self.config.two_stage_keep, 2 * max(10 * top, 50))

    def _scored_two_stage(self, first_stage: FirstStage, query: Profile,
                          candidates: npt.NDArray[np.int64], arrays: QueryArrays,
                          weights: Weights | None, keep: int, wished: Mask | None,
                          ) -> tuple[npt.NDArray[np.int64], Array, dict[str, Array], Array]:
        """:meth:`_scored` of the ``keep`` candidates the first stage estimates best (and the
        ``keep`` best of those in ``wished`` (n,) places, when given); returns them (row
        positions, ascending) first."""
        every, pooled = self._first_stage(first_stage, query, arrays)
        estimated = {name: every[name][candidates] for name in COMPONENTS}
        estimate, _ = self._weighed(self._matrix(estimated, pooled), weights)
        picked = top_positions(estimate, keep)
        if wished is not None and wished.any():
            among = np.flatnonzero(wished)
            picked = np.union1d(picked, among[top_positions(estimate[among], keep)])
        kept = candidates[picked]
        raw, pool = self._second_stage(query, kept, arrays, every, pooled)
        total, contributions = self._weighed(self._matrix(raw, pool), weights)
        return kept, total, raw, contributions

    def _matrix(self, raw: dict[str, Array], pooled: Mapping[str, Array | Moments]) -> Array:
        """(n, len(COMPONENTS)) the components as weighed: standardised over ``pooled`` or raw."""
        if self.config.standardise:
            return standardise(raw, pooled)
        return np.stack([raw[c] for c in COMPONENTS], axis=1)

    def score(self, query: Profile, candidates: npt.NDArray[np.int64],
              arrays: QueryArrays, weights: Weights | None = None,
              ) -> tuple[Array, dict[str, Array]]:
        """Scores (n,) in [0, 1] and raw components {name: (n,)} of ``candidates``.

        Standardised (the default): the logistic of the weighted sum of standardised components,
        0.5 for an average candidate of the pool. Otherwise the weighted sum of the components.
        """
        total, raw, _ = self._scored(query, candidates, arrays, weights)
        return total, raw

    def _scored(self, query: Profile, candidates: npt.NDArray[np.int64], arrays: QueryArrays,
                weights: Weights | None = None) -> tuple[Array, dict[str, Array], Array]:
        """:meth:`score` and the (n, len(COMPONENTS)) contributions whose sum it is made of."""
        matrix, raw = self.features(query, candidates, arrays)
        total, contributions = self._weighed(matrix, weights)
        return total, raw, contributions

    def _weighed(self, matrix: Array, weights: Weights | None) -> tuple[Array, Array]:
        """Scores (n,) of the (n, len(COMPONENTS)) ``matrix`` and what each component added."""
        w = (weights or self.config.weights).normalised()
        vector = np.asarray([w[c] for c in COMPONENTS], dtype=np.float32)
        total = matrix @ vector
        contributions = (matrix * vector).astype(np.float32)
        if self.config.standardise:
            total = logistic(total)
        return total.astype(np.float32), contributions

    def scores(self, query: Profile | str, filters: Filters | None = None,
               weights: Weights | None = None) -> tuple[npt.NDArray[np.int64], Array]:
        """Score every candidate passing ``filters`` (no shortlist, no diversity).

        Returns:
            candidate row positions (n,) int64 and their scores (n,) float32.
        """
        filters = filters or Filters()
        check_filters(self.catalogue, filters)
        if isinstance(query, str):
            query = self.catalogue.get(query)
        arrays = self._query_arrays(query)
        candidates = np.flatnonzero(self.filter_index.mask(query, filters)).astype(np.int64)
        if len(candidates) == 0:
            return candidates, np.zeros(0, dtype=np.float32)
        scores, _ = self.score(query, candidates, arrays, weights)
        return candidates, scores

    # --- the public entry point -----------------------------------------------------------
    def match_record(self, record: Mapping[str, Any], **options: Any) -> MatchResult:
        """Rank partners for an ad-hoc profile given as a record (name, country, description,
        fields in any known language, ...): parsed, matched with ``options`` (those of
        :meth:`match`), and returned with the field mappings it was understood with. The one
        ad-hoc flow of the CLI, the API and the pages."""
        profile, mappings = parse_query_profile(record, self.catalogue.reference)
        wished = wished_places(profile, self.catalogue.reference.geography)
        result = self.match(profile, prefer=wished, **options)
        return replace(result, field_mappings=mappings, wished=wished)

    def match(
        self,
        query: Profile | str,
        *,
        top: int = 10,
        filters: Filters | None = None,
        diversity: bool = True,
        weights: Weights | None = None,
        scope: str = "all",
        strict: bool = True,
        hide_relationships_of: str | None = None,
        prefer: PlacesNamed | None = None,
    ) -> MatchResult:
        """Rank partners for a catalogue id or an ad-hoc :class:`Profile`.

        ``scope="cross_field"`` lists partners from fields linked to the query's instead (see
        :meth:`match_cross_field`; ``weights`` do not apply to it), ``strict`` there meaning that
        no suggestion shares a field with the query.

        ``hide_relationships_of`` (a catalogue id) scores the query as the evaluation scores that
        profile: the query stands in for it, so the profile is neither a candidate nor in the
        standardisation pool, and none of its relationships counts anywhere (no field link from
        its partnerships, no partner or co-member filter, no tie in the explanations). An
        outsider can so score a fresh description of a catalogue cluster without its own ties
        leaking in.

        ``prefer``: places the query asked for; candidates there are preferred among near-equal
        scores (:func:`prefer_places`), nothing is left out.
        """
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= self.config.max_top:
            raise InvalidInputError(f"top must be between 1 and {self.config.max_top}", field="top")
        if scope not in SCOPES:
            raise InvalidInputError(f"scope must be one of {', '.join(SCOPES)}", field="scope")
        filters = filters or Filters()
        check_filters(self.catalogue, filters)
        if isinstance(query, str):
            query = self.catalogue.get(query)
        shown = query
        if hide_relationships_of is not None:
            if hide_relationships_of not in self.catalogue.by_id:
                raise InvalidInputError(
                    f"hide_relationships_of: unknown profile id {hide_relationships_of!r}; closest "
                    f"ids: {', '.join(self.catalogue.closest_ids(hide_relationships_of[:200]))}",
                    field="hide_relationships_of")
            query = replace(query, id=hide_relationships_of)
            filters = replace(filters, exclude_partners=False, exclude_co_members=False)
        known = hide_relationships_of is None
        arrays = self._query_arrays(query)
        mask = self.filter_index.mask(query, filters)
        if scope == "cross_field":
            result = self._match_cross_field(query, arrays, mask, top, diversity, strict, known)
            return replace(result, query=shown)
        candidates = self._shortlist(mask, arrays.profile, arrays.seeks)
        if len(candidates) == 0:
            return MatchResult(shown, [], candidates=0)
        pool = len(candidates)
        keep = self._keep(top)
        if self.first_stage is not None and pool > keep:
            wished = in_places(self.filter_index, prefer)[candidates] if prefer else None
            candidates, scores, components, contributions = self._scored_two_stage(
                self.first_stage, query, candidates, arrays, weights, keep, wished)
        else:
            scores, components, contributions = self._scored(query, candidates, arrays, weights)
        if prefer:
            preferred = prefer_places(scores, in_places(self.filter_index, prefer)[candidates])
            picks = sorted(self._select(preferred, candidates, top, diversity),
                           key=lambda i: (-scores[i], candidates[i]))  # shown in score order
        else:
            picks = self._select(scores, candidates, top, diversity)
        matches = [
            replace(self._match(query, int(candidates[i]), float(scores[i]),
                                {k: float(c[i]) for k, c in components.items()}, arrays,
                                known=known),
                    standing=standing)
            for i, standing in zip(picks, standings(scores, picks, contributions, pool),
                                   strict=True)
        ]
        return MatchResult(shown, matches, candidates=pool)

    def _match_cross_field(self, query: Profile, arrays: QueryArrays, mask: Mask, top: int,
                           diversity: bool, strict: bool, known: bool = True) -> MatchResult:
        """The "beyond your field" list: candidates passing ``mask`` that bring a field linked to
        the query's (and, when ``strict``, share none), ranked by two-sided need/offer fit and
        how strongly their fields are linked, each explained by its value-chain link. The query's
        own partnerships do not count as links."""
        cfg = self.config
        q_fields = self.catalogue.reference.taxonomy.indicator([query.fields])[0]
        strength, counts = self.field_links.strength(query.id, cfg)
        link = value_chain_link(q_fields, self.field_matrix, strength)  # (N,) every profile
        allowed = mask & eligible(q_fields, self.field_matrix, link, strict=strict)
        candidates = self._shortlist(allowed, arrays.profile, arrays.seeks)
        if len(candidates) == 0:
            return MatchResult(query, [], candidates=0, scope="cross_field")
        pool = len(candidates)
        own = self.row.get(query.id)
        def pooled_over(values: Array) -> Array:
            if len(self.row) > cfg.shortlist:
                return values[candidates]
            return values if own is None else np.delete(values, own)

        pool_link, pool_typical = pooled_over(link), pooled_over(self.typical)
        if self.first_stage is not None:
            every, estimated = self._first_stage(self.first_stage, query, arrays)
            if pool > self._keep(top):
                estimate = cross_field_score(
                    every["complementarity"][candidates], link[candidates],
                    estimated["complementarity"], pool_link,
                    link_weight=cfg.cross_field_link_weight, standardised=cfg.standardise,
                    typical=self.typical[candidates], pool_typical=pool_typical,
                    typical_weight=cfg.cross_field_typical_weight)
                candidates = candidates[top_positions(estimate, self._keep(top))]
            raw, pooled = self._second_stage(query, candidates, arrays, every, estimated)
        else:
            raw, pooled = self._components_and_pool(query, candidates, arrays)
        scores = cross_field_score(raw["complementarity"], link[candidates],
                                   pooled["complementarity"], pool_link,
                                   link_weight=cfg.cross_field_link_weight,
                                   standardised=cfg.standardise,
                                   typical=self.typical[candidates], pool_typical=pool_typical,
                                   typical_weight=cfg.cross_field_typical_weight)
        picks = self._select(scores, candidates, top, diversity)
        matches = []
        for i, standing in zip(picks, standings(scores, picks, pool=pool), strict=True):
            row = int(candidates[i])
            links = self.field_links.links(query.fields, self.catalogue.profiles[row].fields,
                                           strength, counts)
            matches.append(replace(self._match(query, row, float(scores[i]),
                                               {k: float(c[i]) for k, c in raw.items()}, arrays,
                                               links, known=known), standing=standing))
        return MatchResult(query, matches, candidates=pool, scope="cross_field")

    def _select(self, scores: Array, candidates: npt.NDArray[np.int64], top: int,
                diversity: bool) -> list[int]:
        """Positions of the top-``top`` in display order, best score first.

        With diversity, maximal marginal relevance decides which candidates make the list;
        the list is then shown in score order, so that rank and shown score always agree.
        """
        order = np.lexsort((candidates, -scores))  # best score first, ties by catalogue order
        if not diversity:
            return [int(i) for i in order[:top]]
        pool = order[: max(top * 10, 50)]
        cfg = self.config
        picked = mmr_select(
            scores[pool],
            self.vectors.profile[candidates[pool]],
            [str(c) for c in self.filter_index.countries[candidates[pool]]],
            top,
            lam=cfg.diversity_lambda,
            country_weight=cfg.same_country_penalty,
            max_per_country=cfg.max_per_country,
        )
        return [int(pool[i]) for i in sorted(picked)]  # the pool is in score order

    def _peers(self, query: Profile, candidate: str, arrays: QueryArrays) -> list[Peer]:
        """The German clusters other than the query (or the profile it stands in for) with a
        partnership with ``candidate``, the most similar to the query first."""
        ids = [g for g in self.german_partners.get(candidate, ()) if g != query.id]
        similarity = self.vectors.profile[[self.row[g] for g in ids]] @ arrays.profile
        order = sorted(range(len(ids)), key=lambda i: (-float(similarity[i]), ids[i]))
        return [Peer(ids[i], self.catalogue.by_id[ids[i]].name) for i in order]

    def _match(self, query: Profile, row: int, score: float, components: dict[str, float],
               arrays: QueryArrays, field_links: list[FieldLink] | None = None, *,
               known: bool = True) -> Match:
        """One suggestion with its explanation; ``known=False`` leaves the query's relationships
        out of it (see ``hide_relationships_of``)."""
        cand = self.catalogue.profiles[row]
        relationships = self.catalogue.relationships
        v = self.vectors
        explanation = explain(
            query,
            cand,
            {name: components[name] for name in COMPONENTS},
            query_seeks=arrays.seeks,
            query_offers=arrays.offers,
            cand_seeks=v.seeks[v.seek_offsets[row] : v.seek_offsets[row + 1]],
            cand_offers=v.offers[v.offer_offsets[row] : v.offer_offsets[row + 1]],
            taxonomy=self.catalogue.reference.taxonomy,
            tie=relationships.tie(query.id, cand.id) if known else None,
            shared_networks=relationships.shared_networks(query.id, cand.id) if known else [],
            field_links=field_links,
            peers=self._peers(query, cand.id, arrays),
        )
        return Match(
            id=cand.id,
            name=cand.name,
            country=cand.country,
            region=cand.region,
            world_region=self.catalogue.reference.geography.world_region(cand.country),
            fields=cand.fields,
            score=round(score, 4),
            explanation=explanation,
        )
