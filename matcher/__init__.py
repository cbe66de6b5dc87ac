"""ClusterBridge's domain library: from cluster profiles to ranked, explained partner suggestions.

The pipeline, one module per stage::

    profiles / relationships / catalogue -> embedding -> bundle (+ index) -> complementarity
    (+ value_chain) -> ranking -> (coverage | reports | evaluation | partnership_network)

and the outcome loop around it: feedback (marks of suggestions, labels, the funnel), alerts
(what changed in a top-k), tokens (who may mark), store (the service database).
"""

from .catalogue.catalogue import Catalogue, Reference, load_catalogue, parse_query_profile
from .catalogue.profiles import Profile
from .catalogue.relationships import Network, Partnership, Relationships
from .config import COMPONENTS, MatcherConfig, Weights
from .engine.bundle import Bundle, build_bundle, ensure_bundle, load_bundle
from .engine.embedding import Embedder, EmbeddingCache, HashingEmbedder, get_embedder
from .engine.explanation import Explanation
from .engine.filters import Filters
from .engine.ranking import Match, Matcher, MatchResult
from .errors import (
    BundleCorruptError,
    BundleError,
    BundleMissingError,
    CatalogueError,
    ClusterBridgeError,
    ConfigError,
    EmbedderError,
    InvalidInputError,
    ProfileValidationError,
    UnknownProfileError,
)

__all__ = [
    "COMPONENTS",
    "Bundle",
    "BundleCorruptError",
    "BundleError",
    "BundleMissingError",
    "Catalogue",
    "CatalogueError",
    "ClusterBridgeError",
    "ConfigError",
    "Embedder",
    "EmbedderError",
    "EmbeddingCache",
    "Explanation",
    "Filters",
    "HashingEmbedder",
    "InvalidInputError",
    "Match",
    "MatchResult",
    "Matcher",
    "MatcherConfig",
    "Network",
    "Partnership",
    "Profile",
    "ProfileValidationError",
    "Reference",
    "Relationships",
    "UnknownProfileError",
    "Weights",
    "build_bundle",
    "ensure_bundle",
    "get_embedder",
    "load_bundle",
    "load_catalogue",
    "parse_query_profile",
]
