"""ClusterBridge's domain library: from cluster profiles to ranked, explained partner suggestions.

The pipeline, one subpackage per layer (each imports only the layers below it; ``make lint``
checks it)::

    catalogue (profiles, relationships, taxonomy, languages) -> messages (reasons -> sentences)
    -> engine (embedding -> lexical -> index -> bundle -> complementarity + value_chain
    -> filters -> explanation -> ranking) | outcomes (feedback, tokens, alert records)
    -> store (the service database) -> analysis (coverage, network, follow)
    -> reports | evaluation

``config`` holds settings, limits and default locations, ``errors`` the one error tree. The
names a user needs are re-exported here.
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
