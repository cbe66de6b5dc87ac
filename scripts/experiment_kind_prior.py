"""Experiment, not shipped: a prior on the candidate's kind learned from other clusters' ties
(issue #24, lever 3).

    .venv/bin/python scripts/experiment_kind_prior.py

For each query, the rate at which the other German clusters' international ties end at each kind
of organisation (cluster organisation, network, agency, research institution, technology park,
...; add-one smoothed, the query's own ties never counted), standardised, joins the six components
as a seventh feature of the learned weights (5-fold cross-validation grouped by German cluster).
Prints partner hit@10 / MRR and the judged measures against the learned weights and TF-IDF, with
paired intervals.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from protocol_setup import protocol_set
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from matcher.evaluation import evaluate_model, summarise
from matcher.evaluation.judged import JUDGED_DIR, JUDGEMENTS_FILE, judged_evaluation, load_judgements
from matcher.evaluation.metrics import paired_difference
from matcher.evaluation.protocol import model_set


def main() -> None:
    catalogue, hand, es = protocol_set()
    judgements = load_judgements(JUDGED_DIR / JUDGEMENTS_FILE, catalogue.by_id)
    german = {p.id for p in catalogue.german()}
    kinds = sorted({c.kind for c in es.candidates})
    count = {k: sum(c.kind == k for c in es.candidates) for k in kinds}
    ends: dict[str, list[str]] = {}
    for link in catalogue.relationships.labels():
        for a, b in ((link.a, link.b), (link.b, link.a)):
            if a in german and catalogue.by_id[b].country != "DE":
                ends.setdefault(a, []).append(catalogue.by_id[b].kind)

    def prior(i: int) -> np.ndarray:
        query = es.queries[i].profile.id
        tally = dict.fromkeys(kinds, 1.0)  # add-one smoothing
        for g, found in ends.items():
            if g != query:  # never the query's own ties
                for k in found:
                    tally[k] += 1
        rate = {k: tally[k] / (count[k] + 1) for k in kinds}
        v = np.asarray([rate[c.kind] for c in es.candidates])
        return (v - v.mean()) / v.std()

    features = [np.column_stack([q.features, prior(i)]) for i, q in enumerate(es.queries)]
    labels = [np.isin(np.arange(len(es.candidates)), list(q.hidden)).astype(int)
              for q in es.queries]
    n = len(features)
    scores: dict[int, np.ndarray] = {}
    for train, test in GroupKFold(5).split(np.zeros(n), groups=np.arange(n)):
        lr = LogisticRegression(class_weight="balanced", max_iter=3000).fit(
            np.concatenate([features[i] for i in train]), np.concatenate([labels[i] for i in train]))
        coef = np.clip(lr.coef_[0], 0, None)
        print("fold weights (6 components, kind prior):", np.round(coef / coef.sum(), 3))
        for i in test:
            scores[int(i)] = features[i] @ coef
    models, _, _ = model_set(es, hand.config.weights, seed=0, folds=5, ablations=False)
    models["kind prior"] = lambda _es, i: scores[i]
    names = ["learned", "tfidf", "kind prior"]
    partner = {k: evaluate_model(es, models[k], 0) for k in names}
    graded = judged_evaluation(es, {k: models[k] for k in names}, judgements, seed=0)
    assert graded is not None
    for k in names:
        p, g = summarise(partner[k], 0), summarise(graded.per_query[k], 0)
        print(f"{k:10s} hit@10 {p['hit@10']['value']:.3f} mrr {p['mrr']['value']:.3f} | ndcg@10 "
              f"{g['ndcg@10']['value']:.3f} excellent@10 {g['excellent@10']['value']:.3f} judged@10 "
              f"{g['judged@10']['value']:.3f}")
    for base in ("learned", "tfidf"):
        d = {**paired_difference(partner["kind prior"], partner[base], ["hit@10", "mrr"], 0),
             **paired_difference(graded.per_query["kind prior"], graded.per_query[base],
                                 ["ndcg@10", "excellent@10"], 0)}
        print(f"kind prior minus {base}: " + ", ".join(
            f"{name} {v['value']:+.3f} {v['ci95']}" for name, v in d.items()))


if __name__ == "__main__":
    main()
