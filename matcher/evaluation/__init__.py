"""Match quality against known partnerships, without leaks.

The protocol, its metrics, baselines and learned weights, the cross-lingual comparison and the
"beyond your field" measures; the public names are re-exported here.
"""

from .protocol import (
    HUB_SHARE,
    LANGUAGE_QUERIES,
    EvaluationSet,
    WeightLearner,
    bootstrap_ci,
    build_set,
    crosslingual,
    evaluate,
    evaluate_model,
    format_table,
    hit_at_k,
    ndcg_at_k,
    popularity,
    recall_at_k,
    reciprocal_rank,
    save_learned_weights,
    summarise,
)

__all__ = [
    "HUB_SHARE",
    "LANGUAGE_QUERIES",
    "EvaluationSet",
    "WeightLearner",
    "bootstrap_ci",
    "build_set",
    "crosslingual",
    "evaluate",
    "evaluate_model",
    "format_table",
    "hit_at_k",
    "ndcg_at_k",
    "popularity",
    "recall_at_k",
    "reciprocal_rank",
    "save_learned_weights",
    "summarise",
]
