"""Measured recommendation quality against the known partnerships, with baselines and ablations.

Default protocol ("partners, all relationships hidden"): every German profile with at least one
international bilateral partnership (an agreement, memorandum, joint project or exchange; not an
affiliation, not a co-membership in a network) is a query. All of the query's relationships are
removed before anything is scored: its bilateral ties and its network memberships, and with them
every signal derived from them (popularity counts only the relationships of others; no score
component reads relationships; profile texts do not name related organisations or networks, which
``tests/test_catalogue_data.py`` checks). Every international profile is ranked and the hidden
partners' ranks give hit@k and recall@k (k = 1, 5, 10, 20), MRR and nDCG@10, each with a
percentile bootstrap 95% interval over queries; the same at country level (the countries in order
of their first appearance, relevant = the partners' countries). All models rank the same
candidates for the same queries.

Secondary tables: co-membership prediction (relevant = international co-members of the query's
networks that are not bilateral partners: an easier task, since networks gather one field), a
cold-start variant (each query re-entered through the ad-hoc path with only what a new user types:
name, country, description, fields, offers, seeks) and a temporal split. Exposure: how
concentrated the default ranking's suggestions are over all German clusters.

Learned weights: a logistic regression on the score components of (query, candidate) pairs,
labelled 1 for a partnership, fitted with cross-validation grouped by German cluster, so no
query's own partnerships are used to score it; its coefficients, clipped at zero and normalised,
are the learned weights.

With feedback (``evaluate(..., feedback=labels)``, ``clusterbridge evaluate --labels
partnerships,feedback``): a candidate that a German cluster's managers marked positive
(:mod:`matcher.feedback`) is relevant beside its partners, and a German cluster with such marks is
a query even without a partnership. Feedback labels take part in fitting the weights only from
:data:`matcher.feedback.MIN_FEEDBACK_LABELS` positive labels on (below, the weights are fitted on
the partnerships alone); candidates marked not relevant give a further measure, the share of them
that a model still ranks in the top 10 (lower is better). The secondary tables and the temporal
split stay on partnerships.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..catalogue.catalogue import LEARNED_WEIGHTS_FILE, Catalogue, Reference, parse_query_profile
from ..catalogue.languages import stop_words
from ..catalogue.profiles import Profile
from ..config import COMPONENTS, Weights
from ..engine.lexical import profile_words
from ..engine.ranking import Matcher
from ..errors import ClusterBridgeError, InvalidInputError
from ..outcomes.feedback import MIN_FEEDBACK_LABELS, FeedbackLabels

KS = (1, 5, 10, 20)
Array = npt.NDArray[np.float64]


# --- metrics on one ranked relevance vector ----------------------------------------------------
def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1 if any of the first ``k`` ranked items is relevant."""
    return float(any(relevant[:k]))


def recall_at_k(relevant: Sequence[bool], k: int, n_relevant: int) -> float:
    """Share of the ``n_relevant`` relevant items among the first ``k``."""
    return sum(relevant[:k]) / n_relevant if n_relevant else 0.0


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    """1 / rank of the first relevant item (0 if none)."""
    for i, r in enumerate(relevant, start=1):
        if r:
            return 1.0 / i
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int, n_relevant: int) -> float:
    """Binary-relevance nDCG@k: DCG of the ranking over DCG of an ideal one."""
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant[:k]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    return dcg / ideal if ideal else 0.0


def query_metrics(relevant: Sequence[bool], n_relevant: int, prefix: str = "") -> dict[str, float]:
    out = {}
    for k in KS:
        out[f"{prefix}hit@{k}"] = hit_at_k(relevant, k)
        out[f"{prefix}recall@{k}"] = recall_at_k(relevant, k, n_relevant)
    out[f"{prefix}mrr"] = reciprocal_rank(relevant)
    out[f"{prefix}ndcg@10"] = ndcg_at_k(relevant, 10, n_relevant)
    return out


def bootstrap_ci(values: Sequence[float], *, seed: int, n_boot: int = 1000) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the mean."""
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(n_boot, len(data)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return (round(float(lo), 4), round(float(hi), 4))


# --- the evaluation set ------------------------------------------------------------------------
TASKS = ("partners", "co_members")
#: What a new user types into the ad-hoc form; the cold-start variant keeps only these.
NEW_USER_FIELDS = ("name", "country", "description", "fields", "offers", "seeks")


@dataclass
class Query:
    """One German profile (as the model sees it), its hidden relevant candidates (positions) and
    per-candidate features."""

    profile: Profile
    hidden: set[int]
    features: Array  # (n_candidates, len(COMPONENTS)) as the matcher weighs them (COMPONENTS order)
    from_feedback: set[int] = field(default_factory=set)  # of hidden: relevant by feedback only
    dismissed: set[int] = field(default_factory=set)  # marked not relevant by its managers


@dataclass
class EvaluationSet:
    """Queries over one shared candidate list (every international profile)."""

    candidates: list[Profile]
    queries: list[Query]
    texts_sim: dict[str, Array]  # model name -> (n_queries, n_candidates) for text baselines
    degree_without: list[Array]  # per query: candidate degrees in the relationships it may see
    visible_partners: list[set[int]]  # per query: its related candidates that models may see


def relevant(catalogue: Catalogue, task: str = "partners", since_after: int | None = None,
             since_until: int | None = None) -> dict[str, set[str]]:
    """German id -> the international ids that count as found for ``task``.

    ``partners``: bilateral partnerships (optionally only those dated within
    ``(since_after, since_until]``); ``co_members``: co-members of the German profile's networks
    that are not also bilateral partners.
    """
    if task not in TASKS:
        raise InvalidInputError(f"task must be one of {', '.join(TASKS)}", field="task")
    relationships = catalogue.relationships
    german = {p.id for p in catalogue.german()}
    international = {p.id for p in catalogue.international()}
    out: dict[str, set[str]] = {}
    if task == "co_members":
        for g in sorted(german):
            found = (relationships.co_members_of(g) - relationships.partners_of(g)) & international
            if found:
                out[g] = found
        return out
    windowed = since_after is not None or since_until is not None
    for link in relationships.labels():
        if windowed and (link.since is None
                         or (since_after is not None and link.since <= since_after)
                         or (since_until is not None and link.since > since_until)):
            continue
        for a, b in ((link.a, link.b), (link.b, link.a)):
            if a in german and b in international:
                out.setdefault(a, set()).add(b)
    return out


def as_new_user(profile: Profile, reference: Reference) -> Profile:
    """``profile`` re-entered through the ad-hoc path with only what a new user types."""
    record = {k: v for k, v in profile.to_dict().items() if k in NEW_USER_FIELDS}
    query, _ = parse_query_profile(record, reference)
    return query


def build_set(matcher: Matcher, *, task: str = "partners", cold_start: bool = False,
              since_after: int | None = None, since_until: int | None = None,
              feedback: FeedbackLabels | None = None) -> EvaluationSet:
    """The queries of ``task`` (see :func:`relevant`) over every international profile.

    Each query is scored with all of its own relationships removed; ``cold_start`` runs it
    through the ad-hoc path (:func:`as_new_user`). ``feedback``'s positive labels join the
    relevant candidates (see the module docstring); its dismissed ones are recorded per query.
    """
    catalogue = matcher.catalogue
    candidates = catalogue.international()
    pos = {p.id: i for i, p in enumerate(candidates)}
    row_of = {p.id: i for i, p in enumerate(catalogue.profiles)}
    rows = np.asarray([row_of[p.id] for p in candidates], dtype=np.int64)
    answers = relevant(catalogue, task, since_after, since_until)
    added: dict[str, set[str]] = {}
    for pid, ids in (feedback.positive if feedback is not None else {}).items():
        new = {c for c in ids if c in pos} - answers.get(pid, set())
        if new:
            added[pid] = new
            answers[pid] = answers.get(pid, set()) | new
    if not answers:
        raise ClusterBridgeError(f"no German profile has a relevant candidate for task {task!r}")
    queries, degree_without, visible_partners = [], [], []
    for pid in sorted(answers):
        visible = catalogue.relationships.without({pid})
        profile = catalogue.by_id[pid]
        query = as_new_user(profile, catalogue.reference) if cold_start else profile
        matrix, _ = matcher.features(query, rows, matcher._query_arrays(query))
        features = matrix.astype(np.float64)
        dismissed = feedback.dismissed.get(pid, set()) if feedback is not None else set()
        queries.append(Query(query, {pos[c] for c in answers[pid]}, features,
                             {pos[c] for c in added.get(pid, ())},
                             {pos[c] for c in dismissed if c in pos}))
        degree_without.append(np.asarray([visible.degree(c.id) for c in candidates], dtype=np.float64))
        visible_partners.append({pos[c] for c in visible.related_to(pid) if c in pos})
    profiles = [catalogue.by_id[pid] for pid in sorted(answers)]
    texts_sim = {
        "embedding_only": np.stack([matcher.vectors.profile[rows] @ matcher.vectors.profile[row_of[
            p.id]] for p in profiles]).astype(np.float64),
        "tfidf": _tfidf_similarity(catalogue.profiles, profiles, candidates),
    }
    return EvaluationSet(candidates, queries, texts_sim, degree_without, visible_partners)


def _tfidf_similarity(all_profiles: Sequence[Profile], queries: Sequence[Profile],
                      candidates: Sequence[Profile]) -> Array:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words=sorted(stop_words()), min_df=1)
    vectorizer.fit([profile_words(p) for p in all_profiles])
    q = vectorizer.transform([profile_words(p) for p in queries])
    c = vectorizer.transform([profile_words(p) for p in candidates])
    return np.asarray((q @ c.T).toarray(), dtype=np.float64)


# --- models ------------------------------------------------------------------------------------
#: A model scores every candidate of query i: (evaluation set, i) -> (n_candidates,) scores.
Model = Callable[[EvaluationSet, int], Array]


def linear(weights: Weights) -> Model:
    w = np.asarray([weights.normalised()[c] for c in COMPONENTS])
    return lambda es, i: es.queries[i].features @ w


def random_model(seed: int) -> Model:
    return lambda es, i: np.random.default_rng(seed + i).random(len(es.candidates))


def popularity(es: EvaluationSet, i: int) -> Array:
    return es.degree_without[i]


def same_field(es: EvaluationSet, i: int) -> Array:
    fields = set(es.queries[i].profile.fields)
    return np.asarray([len(fields & set(c.fields)) / max(len(fields | set(c.fields)), 1)
                       for c in es.candidates])


def text_model(name: str) -> Model:
    return lambda es, i: es.texts_sim[name][i]


def rank_positions(scores: Array, tie_seed: int) -> npt.NDArray[np.int64]:
    """Candidates best first; ties broken by a seeded random order, not by catalogue order."""
    tie = np.random.default_rng(tie_seed).random(len(scores))
    return np.lexsort((tie, -scores)).astype(np.int64)


def evaluate_model(es: EvaluationSet, model: Model, seed: int) -> list[dict[str, float]]:
    """Per-query metrics of ``model`` (item level and country level)."""
    out = []
    for i, q in enumerate(es.queries):
        order = rank_positions(model(es, i), seed + 7919 * i)
        relevant = [int(c) in q.hidden for c in order]
        metrics = query_metrics(relevant, len(q.hidden))
        wanted = {es.candidates[c].country for c in q.hidden}
        countries = list(dict.fromkeys(es.candidates[int(c)].country for c in order))
        metrics.update(query_metrics([c in wanted for c in countries], len(wanted), "country_"))
        out.append(metrics)
    return out


def summarise(per_query: list[dict[str, float]], seed: int) -> dict[str, dict[str, Any]]:
    names = list(per_query[0]) if per_query else []
    return {
        name: {"value": round(float(np.mean([m[name] for m in per_query])), 4),
               "ci95": list(bootstrap_ci([m[name] for m in per_query], seed=seed))}
        for name in names
    }


# --- learned weights ---------------------------------------------------------------------------
class WeightLearner:
    """Logistic regression on the score components; ``weights_`` are its clipped, normalised
    coefficients. Estimator conventions: settings in ``__init__``, ``fit`` returns ``self``."""

    def __init__(self, C: float = 1.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed

    def fit(self, features: Array, labels: npt.NDArray[np.int64]) -> WeightLearner:
        from sklearn.linear_model import LogisticRegression

        if labels.sum() == 0 or labels.sum() == len(labels):
            raise InvalidInputError("weights need both partners and non-partners to learn from",
                                    field="labels")
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                   random_state=self.seed)
        model.fit(features, labels)
        coef = np.clip(model.coef_[0], 0.0, None)
        if coef.sum() <= 0:
            coef = np.ones_like(coef)
        self.coef_ = model.coef_[0].copy()
        self.weights_ = Weights(**{c: round(float(v / coef.sum()), 4)
                                   for c, v in zip(COMPONENTS, coef, strict=True)})
        return self

    @property
    def weights(self) -> Weights:
        if not hasattr(self, "weights_"):
            raise InvalidInputError("WeightLearner is not fitted; call fit first", field="weights")
        return self.weights_


def training_data(es: EvaluationSet, queries: Sequence[int], *,
                  use_feedback: bool = True) -> tuple[Array, npt.NDArray[np.int64]]:
    """Features and labels of ``queries``; without ``use_feedback`` the labels that come from
    feedback only are left out, and so is a query left without any label."""
    labels = {i: es.queries[i].hidden - (set() if use_feedback else es.queries[i].from_feedback)
              for i in queries}
    kept = [i for i in queries if labels[i]]
    if not kept:
        raise InvalidInputError("no query with a label to learn the weights from (with feedback "
                                "below its minimum, try fewer folds)", field="labels")
    x = np.concatenate([es.queries[i].features for i in kept])
    y = np.concatenate([np.isin(np.arange(len(es.candidates)), list(labels[i]))
                        for i in kept]).astype(np.int64)
    return x, y


def cross_validated_learned(es: EvaluationSet, *, folds: int, seed: int,
                            use_feedback: bool = True) -> tuple[Model, list[Weights]]:
    """A model scoring each query with weights fitted on the other folds' queries only."""
    from sklearn.model_selection import GroupKFold

    n = len(es.queries)
    folds = max(2, min(folds, n))
    fold_weights: dict[int, Weights] = {}
    learned: list[Weights] = []
    splitter = GroupKFold(n_splits=folds)
    for train, test in splitter.split(np.zeros(n), groups=np.arange(n)):
        weights = WeightLearner(seed=seed).fit(
            *training_data(es, train, use_feedback=use_feedback)).weights
        learned.append(weights)
        for i in test:
            fold_weights[int(i)] = weights

    def model(es_: EvaluationSet, i: int) -> Array:
        return linear(fold_weights[i])(es_, i)

    return model, learned


PROTOCOL = {
    "name": "partners, all relationships hidden",
    "queries": "German profiles with at least one international bilateral partnership",
    "relevant": "their international bilateral partners (agreement, memorandum, joint project, "
                "exchange)",
    "hidden": "all of the query's relationships (bilateral ties and network memberships) and "
              "every signal derived from them",
    "candidates": "every international profile",
    "diversity": "none: ranked by score",
}
FEEDBACK_PROTOCOL = {
    **PROTOCOL,
    "name": "partners and feedback, all relationships hidden",
    "queries": "German profiles with at least one international bilateral partnership or a "
               "candidate its managers marked interested, contacted, meeting or agreement",
    "relevant": f"{PROTOCOL['relevant']}, and the candidates marked so",
}


@dataclass
class EvaluationResult:
    n_queries: int
    models: dict[str, dict[str, dict[str, Any]]]
    learned_weights: dict[str, float]
    fold_weights: list[dict[str, float]]
    per_query: dict[str, list[dict[str, float]]]
    query_ids: list[str]
    temporal: dict[str, Any] | None = None
    #: Secondary tables: name -> {"n_queries", "description", "models"}.
    secondary: dict[str, dict[str, Any]] = field(default_factory=dict)
    exposure: dict[str, Any] | None = None
    #: With feedback labels: their counts, whether they moved the weights, dismissed in the top 10.
    labels: dict[str, Any] | None = None

    @property
    def protocol(self) -> dict[str, str]:
        return PROTOCOL if self.labels is None else FEEDBACK_PROTOCOL

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol, "n_queries": self.n_queries,
                               "models": self.models, "learned_weights": self.learned_weights,
                               "fold_weights": self.fold_weights}
        if self.temporal is not None:
            out["temporal"] = self.temporal
        out.update(self.secondary)
        if self.exposure is not None:
            out["exposure"] = self.exposure
        if self.labels is not None:
            out["labels"] = self.labels
        return out


def model_set(es: EvaluationSet, weights: Weights, *, seed: int, folds: int,
              ablations: bool = True, use_feedback: bool = True,
              ) -> tuple[dict[str, Model], Weights, list[Weights]]:
    """Every model of the tables, the learned weights fitted on all queries, and per fold."""
    learned_model, fold_weights = cross_validated_learned(es, folds=folds, seed=seed,
                                                          use_feedback=use_feedback)
    final = WeightLearner(seed=seed).fit(*training_data(es, range(len(es.queries)),
                                                        use_feedback=use_feedback)).weights
    models: dict[str, Model] = {
        "full": linear(weights),
        "learned": learned_model,
        "random": random_model(seed),
        "popularity": popularity,
        "same_field": same_field,
        "tfidf": text_model("tfidf"),
        "embedding_only": text_model("embedding_only"),
    }
    if ablations:
        for component in COMPONENTS:
            models[f"without_{component}"] = linear(weights.without(component))
    return models, final, fold_weights


def run_models(es: EvaluationSet, weights: Weights, *, seed: int, folds: int,
               ablations: bool = True,
               ) -> tuple[dict[str, list[dict[str, float]]], Weights, list[Weights]]:
    models, final, fold_weights = model_set(es, weights, seed=seed, folds=folds,
                                            ablations=ablations)
    return ({name: evaluate_model(es, model, seed) for name, model in models.items()},
            final, fold_weights)


def dismissed_in_top(es: EvaluationSet, model: Model, seed: int, k: int = 10) -> list[float]:
    """Per query with dismissed candidates: the share of them that ``model`` ranks in the top
    ``k`` (the same tie-breaking as :func:`evaluate_model`)."""
    out = []
    for i, q in enumerate(es.queries):
        if q.dismissed:
            order = rank_positions(model(es, i), seed + 7919 * i)[:k]
            out.append(len(q.dismissed & {int(c) for c in order}) / len(q.dismissed))
    return out


def evaluate(matcher: Matcher, *, seed: int = 0, folds: int = 5,
             temporal_split: int | None = 2018, secondary: bool = True,
             shipped: Matcher | None = None, feedback: FeedbackLabels | None = None,
             min_feedback: int = MIN_FEEDBACK_LABELS) -> EvaluationResult:
    """The full evaluation: every model on the same queries; with ``secondary`` also the
    co-membership and cold-start tables; a temporal split; and the exposure of ``shipped`` (the
    ranking as configured, default ``matcher``). ``feedback`` labels join the partnerships (see
    the module docstring; they move the weights from ``min_feedback`` positive labels on)."""
    es = build_set(matcher, feedback=feedback)
    weights = matcher.config.weights
    new_labels = sum(len(q.from_feedback) for q in es.queries)
    use_feedback = feedback is not None and new_labels >= min_feedback
    models, final, fold_weights = model_set(es, weights, seed=seed, folds=folds,
                                            use_feedback=use_feedback)
    per_query = {name: evaluate_model(es, model, seed) for name, model in models.items()}
    labels = None
    if feedback is not None:
        labels = {
            "partnership_pairs": sum(len(q.hidden - q.from_feedback) for q in es.queries),
            "feedback_positive": feedback.count(),
            "feedback_positive_new": new_labels,
            "feedback_dismissed": feedback.count("dismissed"),
            "feedback_moves_weights": use_feedback,
            "min_feedback_for_weights": min_feedback,
            "dismissed_in_top_10": {
                name: {"n_queries": len(values), **summarise([{"v": v} for v in values], seed)["v"]}
                if values else {"n_queries": 0, "value": None, "ci95": [0.0, 0.0]}
                for name in ("full", "learned", "random", "popularity", "tfidf")
                for values in [dismissed_in_top(es, models[name], seed)]},
        }
    temporal = None
    if temporal_split is not None:
        temporal = evaluate_temporal(matcher, weights, split=temporal_split, seed=seed)
    tables: dict[str, dict[str, Any]] = {}
    if secondary:
        for name, kwargs, description in (
            ("co_membership", {"task": "co_members"},
             "relevant = international co-members of the query's networks that are not "
             "bilateral partners"),
            ("cold_start", {"cold_start": True},
             "the default protocol, each query entered through the ad-hoc path with only name, "
             "country, description, fields, offers and seeks"),
        ):
            try:
                sub = build_set(matcher, **kwargs)
            except ClusterBridgeError:
                continue
            if len(sub.queries) < 2:  # too few to cross-validate the learned weights
                continue
            sub_per_query, _, _ = run_models(sub, weights, seed=seed, folds=folds, ablations=False)
            tables[name] = {"n_queries": len(sub.queries), "description": description,
                            "models": {k: summarise(v, seed) for k, v in sub_per_query.items()}}
    return EvaluationResult(
        n_queries=len(es.queries),
        models={name: summarise(pq, seed) for name, pq in per_query.items()},
        learned_weights=final.as_dict(),
        fold_weights=[w.as_dict() for w in fold_weights],
        per_query=per_query,
        query_ids=[q.profile.id for q in es.queries],
        temporal=temporal,
        secondary=tables,
        exposure=exposure(shipped or matcher) if secondary else None,
        labels=labels,
    )


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (0 = all equal, towards 1 = all on one)."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(data), data.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ data / (n * total))


def exposure(matcher: Matcher, *, top: int = 10, hubs: int = 10) -> dict[str, Any]:
    """How concentrated the suggestions of ``matcher`` are over all German profiles' top-``top``
    lists (as shown: filters and diversity at their defaults)."""
    counts: dict[str, int] = dict.fromkeys((p.id for p in matcher.catalogue.international()), 0)
    slots = 0
    for g in matcher.catalogue.german():
        for m in matcher.match(g.id, top=top).matches:
            if m.id in counts:
                counts[m.id] += 1
            slots += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "top": top,
        "slots": slots,
        f"share_of_top_{hubs}": round(sum(c for _, c in ranked[:hubs]) / slots, 4) if slots else 0.0,
        "gini": round(gini(list(counts.values())), 4),
        "never_suggested": sum(1 for c in counts.values() if c == 0),
        "most_suggested": [{"id": pid, "count": c} for pid, c in ranked[:hubs]],
    }


def evaluate_temporal(matcher: Matcher, weights: Weights, *, split: int, seed: int) -> dict[str, Any]:
    """Learn weights on partnerships dated up to ``split``, test on those dated after."""
    try:
        old = build_set(matcher, since_until=split)
        new = build_set(matcher, since_after=split)
    except ClusterBridgeError:
        return {"split": split, "n_train_queries": 0, "n_queries": 0, "models": {}}
    learned = WeightLearner(seed=seed).fit(*training_data(old, range(len(old.queries)))).weights
    models: dict[str, Model] = {"full": linear(weights), "learned": linear(learned),
                                "random": random_model(seed), "popularity": popularity,
                                "same_field": same_field, "tfidf": text_model("tfidf"),
                                "embedding_only": text_model("embedding_only")}
    return {
        "split": split,
        "n_train_queries": len(old.queries),
        "n_queries": len(new.queries),
        "learned_weights": learned.as_dict(),
        "models": {name: summarise(evaluate_model(new, m, seed), seed) for name, m in models.items()},
    }


def format_table(result: EvaluationResult) -> str:
    cols = ["hit@1", "hit@5", "hit@10", "hit@20", "recall@10", "mrr", "ndcg@10", "country_hit@10"]
    protocol = result.protocol
    lines = [f"protocol: {protocol['name']}; n_queries = {result.n_queries} ({protocol['queries']})",
             "", *_metrics_table(result.models, cols), ""]
    lines.append("learned weights: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                  result.learned_weights.items()))
    if result.labels is not None:
        lab = result.labels
        moves = ("yes" if lab["feedback_moves_weights"] else
                 f"no, fewer than {lab['min_feedback_for_weights']} new positive labels; the "
                 "weights are fitted on the partnerships alone")
        dismissed = lab["dismissed_in_top_10"]
        shown = ", ".join(f"{name} {d['value']:.3f}" for name, d in dismissed.items()
                          if d["value"] is not None)
        n = next(iter(dismissed.values()))["n_queries"]
        lines += [f"labels: {lab['partnership_pairs']} partnership pairs + feedback "
                  f"({lab['feedback_positive']} positive, {lab['feedback_positive_new']} of them "
                  f"not already partners; {lab['feedback_dismissed']} marked not relevant); "
                  f"feedback moves the weights: {moves}",
                  f"share of the candidates marked not relevant still in the top 10 ({n} queries; "
                  f"lower is better): {shown or 'none marked'}"]
    if result.temporal and result.temporal.get("models"):
        t = result.temporal
        lines += ["", f"temporal split: learn on partnerships up to {t['split']} "
                      f"({t['n_train_queries']} queries), test on later ones ({t['n_queries']} queries)",
                  "", "| model | hit@10 | mrr |", "|---|---|---|"]
        for name, metrics in t["models"].items():
            lines.append(f"| {name} | {metrics['hit@10']['value']:.3f} "
                         f"[{metrics['hit@10']['ci95'][0]:.2f}, {metrics['hit@10']['ci95'][1]:.2f}] | "
                         f"{metrics['mrr']['value']:.3f} [{metrics['mrr']['ci95'][0]:.2f}, "
                         f"{metrics['mrr']['ci95'][1]:.2f}] |")
    for name, table in result.secondary.items():
        lines += ["", f"{name}: n_queries = {table['n_queries']} ({table['description']})", "",
                  *_metrics_table(table["models"], ["hit@10", "hit@20", "mrr", "ndcg@10"])]
    if result.exposure:
        e = result.exposure
        share = next(v for k, v in e.items() if k.startswith("share_of_top_"))
        lines += ["", f"exposure of the shipped ranking over {e['slots']} top-{e['top']} slots: "
                      f"the {len(e['most_suggested'])} most suggested profiles hold {share:.3f}, "
                      f"Gini {e['gini']:.3f}, never suggested {e['never_suggested']}; most: "
                      + ", ".join(f"{m['id']} ({m['count']})" for m in e["most_suggested"])]
    return "\n".join(lines) + "\n"


def _metrics_table(models: dict[str, dict[str, dict[str, Any]]], cols: list[str]) -> list[str]:
    lines = ["| model | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, metrics in models.items():
        cells = [f"{metrics[c]['value']:.3f} [{metrics[c]['ci95'][0]:.2f}, {metrics[c]['ci95'][1]:.2f}]"
                 for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def save_learned_weights(result: EvaluationResult, catalogue: Catalogue, directory: Path, *,
                         standardise: bool) -> Path:
    """Write the learned weights with their cross-validated metrics (atomically); ``standardise``
    says whether they weigh standardised components (as they were fitted)."""
    path = directory / LEARNED_WEIGHTS_FILE
    body = {
        "weights": result.learned_weights,
        "standardise": standardise,
        "method": "logistic regression on the score components, class-balanced, coefficients "
                  "clipped at 0 and normalised; metrics from 5-fold cross-validation grouped by "
                  "German cluster",
        "protocol": PROTOCOL["name"],
        "catalogue_hash": catalogue.data_hash(),
        "n_queries": result.n_queries,
        "cv_metrics": {k: result.models["learned"][k] for k in ("hit@10", "mrr", "ndcg@10")},
        "hand_set_metrics": {k: result.models["full"][k] for k in ("hit@10", "mrr", "ndcg@10")},
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


LANGUAGE_QUERIES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "languages" / "queries.jsonl"
#: A profile in more top-10 lists of one language's queries than this share is a hub.
HUB_SHARE = 0.25


def crosslingual(matcher: Matcher, queries: Path = LANGUAGE_QUERIES, *, top: int = 10,
                 seed: int = 0) -> dict[str, Any]:
    """German and French queries against English ones written separately about the same cluster.

    ``queries`` is a JSON Lines file of ``{"key", "lang", "pair", "subject", "profile"}``
    (``tests/fixtures/languages/queries.jsonl``): each German or French profile was written
    from scratch in its language, its English ``pair`` separately from the same sources. Both
    run through the ad-hoc path (free-text fields mapped to the taxonomy), ranked by score
    without diversity. Per language: the top-``top`` overlap with the English pair; where the
    ``subject`` (the catalogue cluster described) has international bilateral partners, whether
    the query finds one in its top 10 and top 20, beside the English pair; and hubs, profiles in
    more than :data:`HUB_SHARE` of the language's top-``top`` lists, with their text language.
    """
    from ..catalogue.languages import detect

    catalogue = matcher.catalogue
    records = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    by_key = {r["key"]: r for r in records}
    relationships = catalogue.relationships
    per_lang: dict[str, dict[str, list[Any]]] = {}

    def ranked(record: dict[str, Any]) -> list[str]:
        query, _ = parse_query_profile(record["profile"], catalogue.reference)
        return [m.id for m in matcher.match(query, top=max(top, 20), diversity=False).matches]

    for record in records:
        if record["lang"] == "en":
            continue
        own, english = ranked(record), ranked(by_key[record["pair"]])
        bucket = per_lang.setdefault(record["lang"], {"overlap": [], "hit10": [], "hit20": [],
                                                      "en_hit10": [], "en_hit20": [], "lists": []})
        bucket["overlap"].append(len(set(own[:top]) & set(english[:top])) / top)
        bucket["lists"].append(own[:top])
        subject = catalogue.by_id.get(record.get("subject") or "")
        found = set() if subject is None else {
            link.other(subject.id) for link in relationships.labels()
            if subject.id in (link.a, link.b)
            and catalogue.by_id[link.other(subject.id)].country != subject.country}
        if found:
            for name, ids in (("", own), ("en_", english)):
                bucket[f"{name}hit10"].append(float(bool(found & set(ids[:10]))))
                bucket[f"{name}hit20"].append(float(bool(found & set(ids[:20]))))

    def mean_ci(values: list[float]) -> dict[str, Any]:
        return {"value": round(float(np.mean(values)), 4) if values else None,
                "ci95": list(bootstrap_ci(values, seed=seed))}

    out: dict[str, Any] = {}
    for lang, values in sorted(per_lang.items()):
        counts: dict[str, int] = {}
        for ids in values["lists"]:
            for pid in ids:
                counts[pid] = counts.get(pid, 0) + 1
        n = len(values["lists"])
        hubs = [{"id": pid, "share": round(c / n, 4),
                 "text_language": detect(catalogue.by_id[pid].description)}
                for pid, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                if c / n > HUB_SHARE]
        out[lang] = {
            "n": n,
            "overlap": mean_ci(values["overlap"]),
            "n_with_partners": len(values["hit10"]),
            "partner_hit@10": mean_ci(values["hit10"]),
            "partner_hit@20": mean_ci(values["hit20"]),
            "english_partner_hit@10": mean_ci(values["en_hit10"]),
            "english_partner_hit@20": mean_ci(values["en_hit20"]),
            "max_share": round(max(counts.values()) / n, 4) if counts else 0.0,
            "hubs": hubs,
        }
    return out
