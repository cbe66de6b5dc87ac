"""Experiment, not shipped: fit the component weights on the judged set (issue #24, lever 5).

    .venv/bin/python scripts/experiment_judged_weights.py

The learned weights are fitted on the partnerships (one label per query). Here a logistic
regression on the same standardised components is fitted on the judgements instead (judged
excellent = 1, judged 0-2 = 0; the unjudged candidates of a query are left out), with 5-fold
cross-validation grouped by German cluster, so no cluster is scored with weights fitted on its own
judgements. Prints the partner metrics and the judged measures (with the share of the top 10 that
is judged: candidates the new weights bring in count as 0 until judged) against the learned
weights and TF-IDF, with paired intervals.
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
from sklearn.model_selection import GroupKFold

from matcher.evaluation import WeightLearner, evaluate_model, summarise
from matcher.evaluation.judged import JUDGED_DIR, JUDGEMENTS_FILE, judged_evaluation, load_judgements
from matcher.evaluation.metrics import paired_difference
from matcher.evaluation.models import linear
from matcher.evaluation.protocol import model_set

SEED = 0


def main() -> None:
    catalogue, hand, es = protocol_set()
    judgements = load_judgements(JUDGED_DIR / JUDGEMENTS_FILE, catalogue.by_id)
    pos = {c.id: j for j, c in enumerate(es.candidates)}
    models, _, _ = model_set(es, hand.config.weights, seed=SEED, folds=5, ablations=False)
    n = len(es.queries)
    for threshold in (3, 2):
        fold_weights = {}
        for train, test in GroupKFold(n_splits=5).split(np.zeros(n), groups=np.arange(n)):
            x, y = [], []
            for i in train:
                judged = judgements.of(es.queries[i].profile.id)
                rows = [pos[c] for c in judged]
                x.append(es.queries[i].features[rows])
                y.append([int(judged[c] >= threshold) for c in judged])
            weights = WeightLearner(seed=SEED).fit(np.concatenate(x),
                                                   np.concatenate(y).astype(np.int64)).weights
            for i in test:
                fold_weights[int(i)] = weights
        models[f"judged>={threshold}"] = lambda es_, i, fw=fold_weights: linear(fw[i])(es_, i)
        print(f"judged>={threshold} weights, one fold:", fold_weights[0].as_dict())
    names = ["learned", "tfidf", "judged>=3", "judged>=2"]
    partner = {name: evaluate_model(es, models[name], SEED) for name in names}
    graded = judged_evaluation(es, {name: models[name] for name in names}, judgements, seed=SEED)
    assert graded is not None
    for name in names:
        p = summarise(partner[name], SEED)
        g = summarise(graded.per_query[name], SEED)
        print(f"{name:10s} hit@10 {p['hit@10']['value']:.3f} mrr {p['mrr']['value']:.3f} | "
              f"ndcg@10 {g['ndcg@10']['value']:.3f} excellent@10 {g['excellent@10']['value']:.3f} "
              f"judged@10 {g['judged@10']['value']:.3f}")
        if name.startswith("judged"):
            for base in ("learned", "tfidf"):
                dp = paired_difference(partner[name], partner[base], ["hit@10", "mrr"], SEED)
                dg = paired_difference(graded.per_query[name], graded.per_query[base],
                                       ["ndcg@10", "excellent@10"], SEED)
                print(f"   minus {base}: " + ", ".join(
                    f"{k} {v['value']:+.3f} {v['ci95']}" for k, v in {**dp, **dg}.items()))


if __name__ == "__main__":
    main()
