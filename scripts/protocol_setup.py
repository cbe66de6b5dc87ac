"""What the evaluation scripts share: the protocol's evaluation set on the shipped catalogue, and
the report of a seventh feature tried beside the six components.

``from protocol_setup import protocol_set`` in a script of this folder (the scripts put the
project root and this folder on ``sys.path``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matcher import Catalogue, Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.config import MatcherConfig
from matcher.engine.embedding import DEFAULT_EMBEDDER
from matcher.evaluation import EvaluationSet, build_set


def protocol_set(models_dir: Path | None = None) -> tuple[Catalogue, Matcher, EvaluationSet]:
    """The catalogue, a matcher with the hand-set weights (the protocol's ``full`` model) on the
    current bundle (built if missing), and the evaluation set of ``clusterbridge evaluate``."""
    catalogue = load_catalogue()
    shipped = Matcher(ensure_bundle(catalogue, DEFAULT_EMBEDDER, models_dir=models_dir,
                                    config=load_config()))
    hand = Matcher(shipped.bundle, MatcherConfig())
    return catalogue, hand, build_set(hand)


def report_extra_feature(catalogue: Catalogue, es: EvaluationSet, name: str,
                         extra: Callable[[int], np.ndarray]) -> None:
    """Print what ``extra`` (query position -> (n_candidates,) standardised values) adds as a
    seventh feature of the learned weights: 5-fold cross-validation grouped by German cluster,
    partner hit@10 / MRR and the judged measures against the learned weights and TF-IDF, with
    paired intervals."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from matcher.evaluation import evaluate_model, summarise
    from matcher.evaluation.judged import (
        JUDGED_DIR,
        JUDGEMENTS_FILE,
        judged_evaluation,
        load_judgements,
    )
    from matcher.evaluation.metrics import paired_difference
    from matcher.evaluation.protocol import model_set

    judgements = load_judgements(JUDGED_DIR / JUDGEMENTS_FILE, catalogue.by_id)
    features = [np.column_stack([q.features, extra(i)]) for i, q in enumerate(es.queries)]
    labels = [np.isin(np.arange(len(es.candidates)), list(q.hidden)).astype(int)
              for q in es.queries]
    n = len(features)
    scores: dict[int, np.ndarray] = {}
    for train, test in GroupKFold(5).split(np.zeros(n), groups=np.arange(n)):
        lr = LogisticRegression(class_weight="balanced", max_iter=3000).fit(
            np.concatenate([features[i] for i in train]), np.concatenate([labels[i] for i in train]))
        coef = np.clip(lr.coef_[0], 0, None)
        print(f"fold weights (6 components, {name}):", np.round(coef / coef.sum(), 3))
        for i in test:
            scores[int(i)] = features[i] @ coef
    models, _, _ = model_set(es, MatcherConfig().weights, seed=0, folds=5, ablations=False)
    models[name] = lambda _es, i: scores[i]
    names = ["learned", "tfidf", name]
    partner = {k: evaluate_model(es, models[k], 0) for k in names}
    graded = judged_evaluation(es, {k: models[k] for k in names}, judgements, seed=0)
    assert graded is not None
    for k in names:
        p, g = summarise(partner[k], 0), summarise(graded.per_query[k], 0)
        print(f"{k:10s} hit@10 {p['hit@10']['value']:.3f} mrr {p['mrr']['value']:.3f} | ndcg@10 "
              f"{g['ndcg@10']['value']:.3f} excellent@10 {g['excellent@10']['value']:.3f} judged@10 "
              f"{g['judged@10']['value']:.3f}")
    for base in ("learned", "tfidf"):
        d = {**paired_difference(partner[name], partner[base], ["hit@10", "mrr"], 0),
             **paired_difference(graded.per_query[name], graded.per_query[base],
                                 ["ndcg@10", "excellent@10"], 0)}
        print(f"{name} minus {base}: " + ", ".join(
            f"{metric} {v['value']:+.3f} {v['ci95']}" for metric, v in d.items()))
