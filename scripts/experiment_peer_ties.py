"""Experiment, not shipped as a score: "clusters like yours work with them" (issue #24, lever 4).

    .venv/bin/python scripts/experiment_peer_ties.py [--count]

For each query and candidate, the German clusters other than the query with a partnership with
the candidate, each weighted by its profile cosine with the query (``--count``: each counts 1),
summed and standardised, join the six components as a seventh feature of the learned weights
(5-fold cross-validation grouped by German cluster; the query's own ties are never counted, and
the evaluation hides them anyway). Prints partner hit@10 / MRR and the judged measures against
the learned weights and TF-IDF, with paired intervals; then the temporal split: weights fitted on
the ties dated up to 2018, tested on the later ones, the feature built from ties dated up to 2018
only. The suggestions show these clusters by name either way (``Explanation.peers``): first it
prints how many of the German clusters' top-10 suggestions (shipped ranking) name one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from protocol_setup import protocol_set, report_extra_feature
from sklearn.linear_model import LogisticRegression

from matcher import Matcher
from matcher.catalogue.relationships import Relationships
from matcher.evaluation import EvaluationSet, evaluate_model, summarise
from matcher.evaluation.models import linear, text_model
from matcher.evaluation.sets import build_set
from matcher.evaluation.weights import WeightLearner, training_data

SPLIT = 2018


def peer_feature(matcher: Matcher, es: EvaluationSet, *, count: bool,
                 until: int | None = None) -> Callable[[int], np.ndarray]:
    """Query position -> (n_candidates,) the standardised weight of German clusters other than
    the query tied with each candidate (ties dated up to ``until`` only, when given)."""
    catalogue, rel = matcher.catalogue, matcher.catalogue.relationships
    if until is not None:  # the ties a temporal split may see
        dated = [t for t in rel.partnerships if t.since is not None and t.since <= until]
        catalogue = catalogue.with_relationships(
            Relationships(dated, rel.networks.values(), rel.memberships))
    partners = catalogue.german_partners()  # the same peers the explanations name
    profile = matcher.vectors.profile

    def values(i: int) -> np.ndarray:
        query = es.queries[i].profile
        q = profile[matcher.row[query.id]]
        v = np.zeros(len(es.candidates))
        for j, c in enumerate(es.candidates):
            peers = [g for g in partners.get(c.id, ()) if g != query.id]
            if peers:
                v[j] = len(peers) if count else float(
                    np.clip(profile[[matcher.row[g] for g in peers]] @ q, 0, None).sum())
        spread = v.std()
        return (v - v.mean()) / spread if spread > 0 else v

    return values


def temporal(hand: Matcher, count: bool) -> None:
    old = build_set(hand, since_until=SPLIT)
    new = build_set(hand, since_after=SPLIT)
    x_old, y_old = training_data(old, range(len(old.queries)))
    learned = WeightLearner(seed=0).fit(x_old, y_old).weights
    f_old = peer_feature(hand, old, count=count, until=SPLIT)
    f_new = peer_feature(hand, new, count=count, until=SPLIT)
    x = np.concatenate([np.column_stack([q.features, f_old(i)]) for i, q in enumerate(old.queries)
                        if q.hidden])
    lr = LogisticRegression(class_weight="balanced", max_iter=3000).fit(x, y_old)
    coef = np.clip(lr.coef_[0], 0, None)
    print("temporal weights (6 components, peers):", np.round(coef / coef.sum(), 3))
    models = {"learned": linear(learned), "tfidf": text_model("tfidf"),
              "peers": lambda _es, i: np.column_stack([new.queries[i].features, f_new(i)]) @ coef}
    print(f"temporal split: fitted on {len(old.queries)} queries (ties up to {SPLIT}), "
          f"tested on {len(new.queries)} (later ties)")
    for name, model in models.items():
        s = summarise(evaluate_model(new, model, 0), 0)
        print(f"{name:10s} hit@10 {s['hit@10']['value']:.3f} {s['hit@10']['ci95']} "
              f"mrr {s['mrr']['value']:.3f} {s['mrr']['ci95']}")


def main() -> None:
    count = "--count" in sys.argv[1:]
    catalogue, hand, es = protocol_set()
    shipped = Matcher(hand.bundle)
    shown = [m for g in catalogue.german() for m in shipped.match(g.id, top=10).matches]
    print(f"top-10 suggestions of the German clusters naming German clusters that work with "
          f"them: {sum(bool(m.explanation.peers) for m in shown)} of {len(shown)}")
    report_extra_feature(catalogue, es, "peers", peer_feature(hand, es, count=count))
    temporal(hand, count)


if __name__ == "__main__":
    main()
