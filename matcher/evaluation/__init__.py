"""Match quality against known partnerships, without leaks.

In parts: ``metrics`` (hit@k, MRR, nDCG, bootstrap intervals), ``sets`` (queries, what is hidden,
candidates), ``models`` (the linear model and the baselines), ``weights`` (learned weights,
fitted grouped by German cluster), ``protocol`` (the evaluation and its tables' data),
``tables`` (text output), ``crosslingual`` (German and French queries against English ones) and
``cross_field`` (the "beyond your field" list). The public names are re-exported here.
"""

from .crosslingual import HUB_SHARE, LANGUAGE_QUERIES, crosslingual
from .metrics import bootstrap_ci, hit_at_k, ndcg_at_k, recall_at_k, reciprocal_rank, summarise
from .models import evaluate_model, popularity
from .protocol import evaluate, save_learned_weights
from .sets import EvaluationSet, build_set
from .tables import format_table
from .weights import WeightLearner

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
