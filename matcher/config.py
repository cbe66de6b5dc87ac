"""Typed configuration of the matcher: score weights, diversity and index settings.

Every number that shapes a ranking lives here, is validated on construction, and is recorded in the
bundle manifest, so that a result can always be traced back to the settings that produced it.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: The checkout (or installed tree) this package lives in: ``data/`` and ``models/`` sit beside it.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_DATA = PROJECT_ROOT / "data"


def default_data_dir() -> Path:
    """The catalogue: ``$CLUSTERBRIDGE_DATA_DIR``, else the ``data/`` directory of this tree."""
    env = os.environ.get("CLUSTERBRIDGE_DATA_DIR")
    return Path(env) if env else PROJECT_DATA


def default_models_dir() -> Path:
    """Bundles, the embedding cache and the embedded database: ``$CLUSTERBRIDGE_MODELS_DIR``, else
    the ``models/`` directory of this tree."""
    env = os.environ.get("CLUSTERBRIDGE_MODELS_DIR")
    return Path(env) if env else PROJECT_ROOT / "models"


def default_database() -> str:
    """The embedded default: ``models/clusterbridge.sqlite3`` (``CLUSTERBRIDGE_DATABASE``
    names another file or a ``postgresql://`` URL)."""
    return str(default_models_dir() / "clusterbridge.sqlite3")


#: The most suggestions one list may hold (``MatcherConfig.max_top`` by default; every front door
#: checks its ``top`` against it).
MAX_TOP = 100
#: The most suggestions per cluster in a batch report.
MAX_REPORT_TOP = 50
#: Places an ad-hoc query names (its description or seeks: "Partner in Asien") are a preference,
#: never a filter: while choosing which candidates make its list, one there counts as if it
#: scored this much more, so it wins over one elsewhere that scores less than this above it
#: (near-equal scores). Shown scores and their order are unchanged. Measured in README
#: ("Places named in a query").
PLACE_WISH_MARGIN = 0.1

#: A suggestion "stands out" (its card says so even when no single part is strong) when it ranks
#: within this share of the candidates scored for its query.
STANDS_OUT_SHARE = 0.10
#: The parts that lifted a score: at most this many, each adding at least ``LIFT_FROM`` to the
#: weighted sum the score is made of (standardised components times their normalised weights).
LIFTED_BY_MAX = 2
LIFT_FROM = 0.05

#: Bands of a coverage gap (the standardised residual) for maps and legends: up to 0 none (as
#: many partnerships as expected or more), then small, medium, and above the last a clear gap.
GAP_BANDS: tuple[float, ...] = (0.0, 1.0, 2.0)

#: The score components, in the order used by arrays and explanations.
COMPONENTS: tuple[str, ...] = (
    "thematic", "lexical", "complementarity", "relatedness", "roles", "parity",
)


@dataclass(frozen=True)
class Weights:
    """Weights of the score components; they are normalised to sum to one when scoring.

    - ``thematic``: embedding similarity of the profile texts and overlap of the fields.
    - ``lexical``: TF-IDF cosine of the profile words (the rare words two profiles share).
    - ``complementarity``: two-sided fit of offers and seeks (harmonic mean of both directions).
    - ``relatedness``: measured relatedness of the candidate's fields to the query's fields.
    - ``roles``: share of the query's missing value-chain roles that the candidate brings.
    - ``parity``: comparability of size (members).
    """

    thematic: float = 0.25
    lexical: float = 0.15
    complementarity: float = 0.35
    relatedness: float = 0.10
    roles: float = 0.075
    parity: float = 0.075

    def __post_init__(self) -> None:
        values = self.as_dict()
        for name, value in values.items():
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"weight {name!r} must be a finite number >= 0, got {value!r}")
        if sum(values.values()) <= 0:
            raise ConfigError("at least one weight must be positive")

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in COMPONENTS}

    def normalised(self) -> dict[str, float]:
        values = self.as_dict()
        total = sum(values.values())
        return {name: value / total for name, value in values.items()}

    def without(self, component: str) -> Weights:
        """The same weights with one component set to zero (for ablations)."""
        if component not in COMPONENTS:
            raise ConfigError(f"unknown component {component!r}; known: {', '.join(COMPONENTS)}")
        return replace(self, **{component: 0.0})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Weights:
        unknown = set(values) - set(COMPONENTS)
        if unknown:
            raise ConfigError(f"unknown weight(s) {sorted(unknown)}; known: {', '.join(COMPONENTS)}")
        try:
            return cls(**{k: float(v) for k, v in values.items()})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"weights must be numbers: {exc}") from None


@dataclass(frozen=True)
class MatcherConfig:
    """Settings of ranking and indexing.

    Attributes:
        weights: score component weights.
        diversity_lambda: MMR trade-off between score and novelty (1.0 = no diversity).
        same_country_penalty: share of the MMR redundancy that comes from sharing a country
            (the rest is the embedding similarity of the two suggestions).
        max_per_country: cap on suggestions from one country when diversity is on (0 = no cap).
        shortlist: candidates scored in full per query; above it, the FAISS indexes shortlist
            by thematic similarity and by offers answering the query's seeks.
        approximate_threshold: catalogue size from which an approximate FAISS index is used.
        two_stage_from: catalogue size from which a list is ranked in two stages (up to
            ``shortlist``): a cheap first stage estimates every candidate's score and only the
            best ``two_stage_keep`` get the exact components (see
            :mod:`matcher.engine.first_stage`). The default leaves catalogues of a few thousand
            profiles, the shipped one among them, to exact scoring.
        two_stage_keep: candidates the first stage keeps (at least twice the candidates
            diversity chooses from, ``max(10 * top, 50)``, whatever this says).
        two_stage_sample: profiles in the fixed sample whose exact values of the estimated
            components (complementarity, thematic) give their mean and spread for
            standardising, in two-stage ranking.
        two_stage_dims: dimensions of the first stage's projected profile, offer and seek
            vectors.
        max_top: the largest ``top`` a caller may ask for.
        strong_match_quantile: a (German, international) pair is a strong match (coverage) when
            its score is at least this quantile of all such pairs' scores.
        standardise: weigh the components standardised over the query's candidate pool (how far
            a candidate stands out) instead of their raw values; chosen by the evaluation.
        cross_field_min_relatedness: two fields are linked for the "beyond your field" list from
            this measured relatedness (U.S. Cluster Mapping, rescaled to [0, 1]) on.
        cross_field_min_partnerships: ... or when at least this many known bilateral partnerships
            (of others than the query) join one field on one side with the other on the other.
        cross_field_link_weight: share of the "beyond your field" score that comes from how
            strongly the candidate's fields are linked to the query's; the rest is the two-sided
            need/offer fit.
        cross_field_typical_weight: how much the "beyond your field" score holds against a
            candidate its fit with the average German cluster (offers and seeks that suit
            everyone; :func:`~matcher.engine.complementarity.typical_fit`), standardised like the
            other two parts; 0 leaves it out.
    """

    weights: Weights = field(default_factory=Weights)
    diversity_lambda: float = 0.7
    same_country_penalty: float = 0.5
    max_per_country: int = 3
    shortlist: int = 20_000
    approximate_threshold: int = 200_000
    two_stage_from: int = 5_000
    two_stage_keep: int = 250
    two_stage_sample: int = 500
    two_stage_dims: int = 64
    max_top: int = MAX_TOP
    strong_match_quantile: float = 0.98
    standardise: bool = True
    cross_field_min_relatedness: float = 0.5
    cross_field_min_partnerships: int = 2
    cross_field_link_weight: float = 0.25
    cross_field_typical_weight: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.diversity_lambda <= 1.0:
            raise ConfigError("diversity_lambda must be within [0, 1]")
        if not 0.0 <= self.strong_match_quantile <= 1.0:
            raise ConfigError("strong_match_quantile must be within [0, 1]")
        if not 0.0 <= self.same_country_penalty <= 1.0:
            raise ConfigError("same_country_penalty must be within [0, 1]")
        for name in ("cross_field_min_relatedness", "cross_field_link_weight",
                     "cross_field_typical_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be within [0, 1]")
        for name in ("max_per_country", "shortlist", "approximate_threshold", "max_top",
                     "cross_field_min_partnerships", "two_stage_from"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0")
        if self.shortlist < 1 or self.max_top < 1 or self.cross_field_min_partnerships < 1:
            raise ConfigError("shortlist, max_top and cross_field_min_partnerships must be >= 1")
        if min(self.two_stage_keep, self.two_stage_sample, self.two_stage_dims) < 1:
            raise ConfigError("two_stage_keep, two_stage_sample and two_stage_dims must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MatcherConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown setting(s) {sorted(unknown)}")
        values = dict(values)
        if "weights" in values:
            values["weights"] = Weights.from_dict(values["weights"])
        return cls(**values)
