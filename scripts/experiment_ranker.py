"""Experiment, not shipped: a gradient-boosted ranker on the leak-free protocol (issue #24, lever 3).

    .venv/bin/python scripts/experiment_ranker.py

Builds the evaluation set of ``clusterbridge evaluate`` (every relationship of each query hidden)
and compares, by cross-validation grouped by German cluster (as the learned weights are fitted),
the learned linear weights and TF-IDF with classifiers on the six standardised components plus
richer features: the TF-IDF and embedding similarities, the candidate's kind, and a country prior
(the share of other German clusters' international ties that go to the candidate's country; the
query's own ties never count). Prints hit@10 and MRR with paired bootstrap intervals.

    .venv/bin/python scripts/experiment_ranker.py --pool /tmp/sheets

adds the top 10 of the boosted ranker on all features to the judged set's pools and writes sheets
of the pairs not judged yet (see ``scripts/judged_pools.py``), so that its judged measures do not
count what the judges never saw as grade 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from matcher import Catalogue, Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.evaluation import EvaluationSet, build_set, evaluate_model, summarise
from matcher.evaluation.judged import (
    JUDGED_DIR,
    JUDGEMENTS_FILE,
    judged_evaluation,
    load_judgements,
    pools,
)
from matcher.evaluation.metrics import paired_difference
from matcher.evaluation.models import Model, linear, text_model
from matcher.evaluation.protocol import model_set
from matcher.evaluation.weights import WeightLearner, training_data


def country_prior(es: EvaluationSet, ties: dict[str, list[str]], i: int) -> np.ndarray:
    """Share of the other German clusters' ties that go to each candidate's country."""
    query = es.queries[i].profile.id
    counts: dict[str, int] = {}
    for german, partners in ties.items():
        if german == query:
            continue  # never the query's own ties
        for country in partners:
            counts[country] = counts.get(country, 0) + 1
    total = sum(counts.values()) or 1
    return np.asarray([counts.get(c.country, 0) / total for c in es.candidates])


def feature_set(es: EvaluationSet, catalogue: Catalogue, until: int | None = None,
                ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per query, the features of every candidate and its labels (1 for a hidden partner). The
    country prior counts the German clusters' ties (those dated up to ``until`` when given)."""
    german = {p.id for p in catalogue.german()}
    countries = {c.id: c.country for c in es.candidates}
    ties: dict[str, list[str]] = {}
    for link in catalogue.relationships.labels():
        if until is not None and (link.since is None or link.since > until):
            continue
        for a, b in ((link.a, link.b), (link.b, link.a)):
            if a in german and b in countries:
                ties.setdefault(a, []).append(countries[b])
    kinds = sorted({c.kind for c in catalogue.profiles})
    kind = np.stack([[float(c.kind == k) for k in kinds] for c in es.candidates])
    # columns: 0-5 components, 6 tfidf, 7 embedding, 8 country prior, 9.. kind
    features = [np.column_stack([q.features, es.texts_sim["tfidf"][i],
                                 es.texts_sim["embedding_only"][i], country_prior(es, ties, i),
                                 kind]) for i, q in enumerate(es.queries)]
    labels = [np.isin(np.arange(len(es.candidates)), list(q.hidden)).astype(int)
              for q in es.queries]
    return features, labels


def boosted() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=150,
                                          random_state=0)


def temporal(matcher: Matcher, shares: list[float], split: int = 2018) -> None:
    """The learned weights and the boosted ranker fitted on the partnerships dated up to
    ``split`` (the country prior from those too), tested on those dated after."""
    catalogue = matcher.catalogue
    old, new = build_set(matcher, since_until=split), build_set(matcher, since_after=split)
    x_old, y_old = feature_set(old, catalogue, until=split)
    x_new, _ = feature_set(new, catalogue, until=split)
    ranker = boosted().fit(np.concatenate(x_old), np.concatenate(y_old))
    weights = WeightLearner(seed=0).fit(*training_data(old, range(len(old.queries)))).weights
    learned = linear(weights)
    p = {i: ranker.predict_proba(x)[:, 1] for i, x in enumerate(x_new)}
    models = {"learned": learned, "tfidf": text_model("tfidf"), "boosted": lambda _es, i: p[i],
              **{f"blend {share:g}": blended(learned, lambda _es, i: p[i], share)
                 for share in shares}}
    print(f"temporal split {split}: {len(old.queries)} training queries, "
          f"{len(new.queries)} test")
    base = evaluate_model(new, models["tfidf"], 0)
    for name, model in models.items():
        per_query = evaluate_model(new, model, 0)
        s = summarise(per_query, 0)
        vt = paired_difference(per_query, base, ["mrr"], 0)
        print(f"{name:22s} hit@10 {s['hit@10']['value']:.3f}  mrr {s['mrr']['value']:.3f}  "
              f"minus tfidf: mrr {vt['mrr']['value']:+.3f} {vt['mrr']['ci95']}")


def blended(learned: Model, boost: Model, share: float) -> Model:
    """The learned linear score plus ``share`` of the boosted ranker's log-odds (``boost`` gives
    its probabilities), both standardised over the query's candidates: how far along the way
    from one to the other the partner labels and the judges agree."""
    def model(es: EvaluationSet, i: int) -> np.ndarray:
        p = np.clip(boost(es, i), 1e-6, 1 - 1e-6)
        return _z(learned(es, i)) + share * _z(np.log(p / (1 - p)))
    return model


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() or 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blend", type=float, nargs="+", help="instead: the learned score "
                        "plus these shares of the boosted ranker's (standardised log-odds)")
    parser.add_argument("--temporal", action="store_true", help="instead: fitted on the "
                        "partnerships dated up to 2018, tested on the later ones")
    parser.add_argument("--pool", type=Path, help="pool the boosted ranker's top 10 and write "
                        "sheets of its unjudged pairs into this folder")
    args = parser.parse_args()
    catalogue = load_catalogue()
    matcher = Matcher(ensure_bundle(catalogue, "fused", config=load_config()))
    if args.temporal:
        temporal(matcher, args.blend or [])
        return
    es = build_set(matcher)
    features, labels = feature_set(es, catalogue)
    print(f"{len(es.queries)} queries, {len(es.candidates)} candidates")

    def cross_validated(make: Callable[[], Any], cols: list[int] | None = None) -> Callable[..., Any]:
        scores: dict[int, np.ndarray] = {}
        pick = (lambda x: x) if cols is None else (lambda x: x[:, cols])
        for train, test in GroupKFold(n_splits=5).split(np.zeros(len(features)),
                                                        groups=np.arange(len(features))):
            x = np.concatenate([pick(features[i]) for i in train])
            y = np.concatenate([labels[i] for i in train])
            estimator = make().fit(x, y)
            for i in test:
                scores[int(i)] = estimator.predict_proba(pick(features[i]))[:, 1]
        return lambda _es, i: scores[i]

    models, _, _ = model_set(es, matcher.config.weights, seed=0, folds=5, ablations=False)
    base = {name: evaluate_model(es, models[name], 0) for name in ("learned", "tfidf")}
    for name, per_query in base.items():
        s = summarise(per_query, 0)
        print(f"{name:22s} hit@10 {s['hit@10']['value']:.3f}  mrr {s['mrr']['value']:.3f}")
    candidates = {
        "logistic, all features": cross_validated(
            lambda: LogisticRegression(class_weight="balanced", max_iter=3000)),
        "boosted, components": cross_validated(boosted, list(range(6))),
        "boosted, + country prior": cross_validated(boosted, [*range(6), 8]),
        "boosted, all features": cross_validated(boosted),
    }
    if args.blend:
        boost = candidates["boosted, all features"]
        candidates = {f"blend {share:g}": blended(models["learned"], boost, share)
                      for share in args.blend}
    if args.pool:
        from judged_pools import add_to_pools, write_sheets

        pooled = add_to_pools(pools(es, {"boosted": candidates["boosted, all features"]}, seed=0))
        write_sheets(catalogue, pooled, args.pool, unjudged_only=True)
        return
    judgements = load_judgements(JUDGED_DIR / JUDGEMENTS_FILE, catalogue.by_id)
    graded = judged_evaluation(es, {"learned": models["learned"], "tfidf": models["tfidf"],
                                    **candidates}, judgements, seed=0)
    assert graded is not None
    for name, model in candidates.items():
        per_query = evaluate_model(es, model, 0)
        s = summarise(per_query, 0)
        vs = paired_difference(per_query, base["learned"], ["hit@10", "mrr"], 0)
        vt = paired_difference(per_query, base["tfidf"], ["mrr"], 0)
        g = summarise(graded.per_query[name], 0)
        gl = paired_difference(graded.per_query[name], graded.per_query["learned"],
                               ["ndcg@10"], 0)
        print(f"{name:22s} hit@10 {s['hit@10']['value']:.3f}  mrr {s['mrr']['value']:.3f}  "
              f"minus learned: hit@10 {vs['hit@10']['value']:+.3f} {vs['hit@10']['ci95']}, "
              f"mrr {vs['mrr']['value']:+.3f} {vs['mrr']['ci95']}; minus tfidf: mrr "
              f"{vt['mrr']['value']:+.3f} {vt['mrr']['ci95']}; judged ndcg@10 "
              f"{g['ndcg@10']['value']:.3f} (minus learned {gl['ndcg@10']['value']:+.3f} "
              f"{gl['ndcg@10']['ci95']}), excellent@10 {g['excellent@10']['value']:.3f}, "
              f"judged@10 {g['judged@10']['value']:.3f}")

if __name__ == "__main__":
    main()
