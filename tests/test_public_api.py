import matcher


def test_public_names_are_exactly_these() -> None:
    assert sorted(matcher.__all__) == sorted([
        "COMPONENTS", "Bundle", "BundleCorruptError", "BundleError", "BundleMissingError",
        "Catalogue", "CatalogueError", "ClusterBridgeError", "ConfigError", "Embedder",
        "EmbedderError", "EmbeddingCache", "Explanation", "Filters", "HashingEmbedder",
        "InvalidInputError", "Match", "MatchResult", "Matcher", "MatcherConfig", "Network", "Partnership",
        "Profile", "ProfileValidationError", "Reference", "Relationships", "UnknownProfileError", "Weights",
        "build_bundle", "ensure_bundle", "get_embedder", "load_bundle", "load_catalogue",
        "parse_query_profile",
    ])
    for name in matcher.__all__:
        assert hasattr(matcher, name), name


def test_every_error_derives_from_one_base() -> None:
    errors = [getattr(matcher, n) for n in matcher.__all__ if n.endswith("Error")]
    for error in errors:
        assert issubclass(error, matcher.ClusterBridgeError)
