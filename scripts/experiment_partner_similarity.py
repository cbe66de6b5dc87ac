"""Experiment, not shipped: a learned similarity of partners on frozen embeddings (issue #24, lever 1).

    .venv/bin/python scripts/experiment_partner_similarity.py

Learns from the catalogue's relationships what partners have in common that plain similarity
misses: a logistic regression on the element-wise products of two profiles' vectors (profile
text, and the query's seeks against the candidate's offers and back), i.e. a diagonal bilinear
map ``s(q, c) = sum_k w_k q_k c_k``. Positives: bilateral ties (any two catalogue profiles);
optionally co-memberships of a network, as weaker positives. Negatives: random pairs, and pairs
in the same field that are never related (hard negatives).

Leak-free as the protocol: the German queries are split into 5 folds grouped by cluster; for each
fold the map is trained without any relationship of that fold's queries and scores only them. The
similarity then joins the six components as a seventh feature of the learned linear weights,
whose fit is itself nested (the training queries' feature values come from maps trained without
their own relationships). Prints hit@10 and MRR with paired bootstrap intervals against the
learned weights and TF-IDF.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from matcher import Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.evaluation import build_set, evaluate_model, summarise
from matcher.evaluation.metrics import paired_difference
from matcher.evaluation.protocol import model_set

SEED = 0


def mean_rows(rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.zeros((len(offsets) - 1, rows.shape[1]), dtype=np.float64)
    for i in range(len(offsets) - 1):
        chunk = rows[offsets[i]:offsets[i + 1]]
        if len(chunk):
            v = chunk.mean(axis=0)
            out[i] = v / (np.linalg.norm(v) or 1.0)
    return out


def main() -> None:
    catalogue = load_catalogue()
    matcher = Matcher(ensure_bundle(catalogue, "fused", config=load_config()))
    v = matcher.vectors
    profile = v.profile.astype(np.float64)
    seeks = mean_rows(v.seeks, v.seek_offsets)
    offers = mean_rows(v.offers, v.offer_offsets)
    row = matcher.row
    ids = list(v.ids)
    fields = [set(catalogue.by_id[p].fields) for p in ids]
    rel = catalogue.relationships
    ties = {(min(t.a, t.b), max(t.a, t.b)) for t in rel.labels()}
    co = set()
    for p in ids:
        for o in rel.co_members_of(p):
            pair = (min(p, o), max(p, o))
            if pair not in ties:
                co.add(pair)
    related = ties | co
    print(f"{len(ties)} ties, {len(co)} co-member pairs, {len(ids)} profiles, dim {profile.shape[1]}")

    # A full bilinear map in a reduced space: the 32 leading principal directions of the
    # profile vectors, both orders of the outer product (the map is symmetric).
    centred = profile - profile.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:32].T
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True)

    def pair_features(a: np.ndarray, b: np.ndarray, which: str) -> np.ndarray:
        if which == "bilinear32":
            outer = reduced[a][:, :, None] * reduced[b][:, None, :]
            return (outer + outer.transpose(0, 2, 1)).reshape(len(a), -1)
        parts = [profile[a] * profile[b]]
        if which == "needs":
            parts += [seeks[a] * offers[b] + seeks[b] * offers[a]]
        return np.hstack(parts)

    def train(excluded: set[str], which: str, co_weight: float, hard: bool, C: float):
        rng = np.random.default_rng(SEED)
        pos = [(a, b) for a, b in ties if a not in excluded and b not in excluded]
        weak = [(a, b) for a, b in co if a not in excluded and b not in excluded] if co_weight else []
        allowed = [i for i, p in enumerate(ids) if p not in excluded]
        neg = []
        for a, _ in pos + weak:
            ia = row[a]
            for _ in range(10):
                j = allowed[rng.integers(len(allowed))]
                if (min(a, ids[j]), max(a, ids[j])) not in related and j != ia:
                    neg.append((ia, j))
            if hard:
                same = [j for j in allowed if fields[j] & fields[ia] and j != ia
                        and (min(a, ids[j]), max(a, ids[j])) not in related]
                for j in rng.choice(same, size=min(5, len(same)), replace=False) if same else []:
                    neg.append((ia, int(j)))
        pa = np.asarray([row[a] for a, _ in pos + weak] + [a for a, _ in neg])
        pb = np.asarray([row[b] for _, b in pos + weak] + [b for _, b in neg])
        y = np.r_[np.ones(len(pos) + len(weak)), np.zeros(len(neg))]
        w = np.r_[np.ones(len(pos)), np.full(len(weak), co_weight), np.ones(len(neg))]
        x = pair_features(pa, pb, which)
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
        model.fit(x, y, sample_weight=w)
        return model

    es = build_set(matcher)
    queries = [q.profile.id for q in es.queries]
    cand_rows = np.asarray([row[c.id] for c in es.candidates])
    n = len(queries)
    folds = list(GroupKFold(n_splits=5).split(np.zeros(n), groups=np.arange(n)))
    models, _, _ = model_set(es, matcher.config.weights, seed=SEED, folds=5, ablations=False)
    base = {name: evaluate_model(es, models[name], SEED) for name in ("learned", "tfidf")}
    for name, per_query in base.items():
        s = summarise(per_query, SEED)
        print(f"{name:34s} hit@10 {s['hit@10']['value']:.3f}  mrr {s['mrr']['value']:.3f}")

    def similarity(model, q: str, which: str) -> np.ndarray:
        qa = np.full(len(cand_rows), row[q])
        return model.decision_function(pair_features(qa, cand_rows, which))

    def standardise(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() or 1.0)

    for which, co_weight, hard, C in [("profile", 0.0, False, 1.0), ("profile", 0.3, True, 1.0),
                                      ("needs", 0.3, True, 1.0), ("bilinear32", 0.3, True, 1.0),
                                      ("bilinear32", 0.3, True, 0.05)]:
        alone: dict[int, np.ndarray] = {}
        combined: dict[int, np.ndarray] = {}
        for train_idx, test_idx in folds:
            outer = {queries[i] for i in test_idx}
            model = train(outer, which, co_weight, hard, C)
            for i in test_idx:
                alone[int(i)] = standardise(similarity(model, queries[i], which))
            # Nested: the training queries' seventh feature from maps trained without them.
            inner_feature: dict[int, np.ndarray] = {}
            train_list = list(train_idx)
            for _, ite in GroupKFold(n_splits=4).split(np.zeros(len(train_list)),
                                                       groups=np.arange(len(train_list))):
                inner = outer | {queries[train_list[j]] for j in ite}
                m = train(inner, which, co_weight, hard, C)
                for j in ite:
                    inner_feature[train_list[j]] = standardise(similarity(m, queries[train_list[j]], which))
            x = np.concatenate([np.column_stack([es.queries[i].features, inner_feature[i]])
                                for i in train_list])
            y = np.concatenate([np.isin(np.arange(len(es.candidates)), list(es.queries[i].hidden))
                                for i in train_list]).astype(int)
            lr = LogisticRegression(class_weight="balanced", max_iter=3000).fit(x, y)
            coef = np.clip(lr.coef_[0], 0, None)
            for i in test_idx:
                combined[int(i)] = np.column_stack([es.queries[i].features, alone[int(i)]]) @ coef
        for label, scores in (("alone", alone), ("+components", combined)):
            per_query = evaluate_model(es, lambda _es, i, s=scores: s[i], SEED)
            s = summarise(per_query, SEED)
            vs_l = paired_difference(per_query, base["learned"], ["hit@10", "mrr"], SEED)
            vs_t = paired_difference(per_query, base["tfidf"], ["hit@10", "mrr"], SEED)
            print(f"{which:10s} co{co_weight} hard={hard!s:5s} C={C} {label:11s} "
                  f"hit@10 {s['hit@10']['value']:.3f} mrr {s['mrr']['value']:.3f} | "
                  f"-learned hit@10 {vs_l['hit@10']['value']:+.3f} {vs_l['hit@10']['ci95']} "
                  f"mrr {vs_l['mrr']['value']:+.3f} {vs_l['mrr']['ci95']} | "
                  f"-tfidf mrr {vs_t['mrr']['value']:+.3f} {vs_t['mrr']['ci95']}", flush=True)


if __name__ == "__main__":
    main()
