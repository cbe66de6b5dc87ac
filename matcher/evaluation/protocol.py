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
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue.catalogue import LEARNED_WEIGHTS_FILE, Catalogue
from ..config import COMPONENTS, Weights
from ..engine.ranking import Matcher
from ..errors import ClusterBridgeError
from ..outcomes.feedback import MIN_FEEDBACK_LABELS, FeedbackLabels
from .judged import POOL_MODELS, Judgements, judged_evaluation
from .metrics import exposure_of, paired_difference, summarise
from .models import (
    Model,
    evaluate_model,
    linear,
    popularity,
    random_model,
    rank_positions,
    same_field,
    text_model,
)
from .sets import EvaluationSet, build_set
from .weights import WeightLearner, cross_validated_learned, training_data

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


#: The metrics whose paired difference between two models the evaluation reports.
PAIRED_METRICS = ("hit@10", "mrr")

#: The model of the weights the service ranks with, where they are not the hand-set ones (the
#: learned weights saved in ``learned_weights.json``); fitted on the partner labels, so its
#: partner metrics are not cross-validated.
SHIPPED = "shipped"


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
    #: With judgements (:mod:`matcher.evaluation.judged`): graded measures per model.
    judged: dict[str, Any] | None = None

    def paired(self, a: str = "learned", b: str = "tfidf", seed: int = 0,
               names: tuple[str, ...] = PAIRED_METRICS) -> dict[str, Any]:
        """Model ``a`` minus model ``b`` per metric on the same queries, with a paired bootstrap
        interval (:func:`~matcher.evaluation.metrics.paired_difference`)."""
        return {"models": [a, b], "metrics": paired_difference(
            self.per_query[a], self.per_query[b], names, seed)}

    def paired_pairs(self) -> list[tuple[str, str]]:
        """The models compared with TF-IDF query by query: the learned and hand-set weights, and
        the shipped ones where they are a model of their own."""
        names = ("learned", "full", SHIPPED)
        return [(a, "tfidf") for a in names if a in self.per_query]

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
        if self.judged is not None:
            out["judged"] = self.judged
        out["paired_differences"] = [self.paired(a, b) for a, b in self.paired_pairs()]
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
             min_feedback: int = MIN_FEEDBACK_LABELS,
             judgements: Judgements | None = None) -> EvaluationResult:
    """The full evaluation: every model on the same queries; with ``secondary`` also the
    co-membership and cold-start tables; a temporal split; and the exposure of ``shipped`` (the
    ranking as configured, default ``matcher``). Where ``shipped`` weighs the components
    otherwise than ``matcher`` (the saved learned weights against the hand-set ones), its
    weights are a model of the tables too, :data:`SHIPPED`: on the partner labels it is not
    cross-validated (the saved weights were fitted on them), on the judged set it is a fair
    measure of what users see. ``feedback`` labels join the partnerships (see the module
    docstring; they move the weights from ``min_feedback`` positive labels on)."""
    es = build_set(matcher, feedback=feedback)
    weights = matcher.config.weights
    new_labels = sum(len(q.from_feedback) for q in es.queries)
    use_feedback = feedback is not None and new_labels >= min_feedback
    models, final, fold_weights = model_set(es, weights, seed=seed, folds=folds,
                                            use_feedback=use_feedback)
    if shipped is not None and shipped.config.weights != weights:
        ordered: dict[str, Model] = {}
        for name, model in models.items():
            ordered[name] = model
            if name == "learned":  # the tables show the two fitted weightings side by side
                ordered[SHIPPED] = linear(shipped.config.weights)
        models = ordered
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
    judged = None
    if judgements is not None:
        graded = judged_evaluation(
            es, {name: model for name, model in models.items()
                 if name in POOL_MODELS or name == SHIPPED},
            judgements, seed=seed)
        judged = graded.to_dict(seed) if graded is not None else None
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
        judged=judged,
    )


def exposure(matcher: Matcher, *, top: int = 10, hubs: int = 10) -> dict[str, Any]:
    """How concentrated the suggestions of ``matcher`` are over all German profiles' top-``top``
    lists (as shown: filters and diversity at their defaults), by
    :func:`~matcher.evaluation.metrics.exposure_of`."""
    lists = [[m.id for m in matcher.match(g.id, top=top).matches]
             for g in matcher.catalogue.german()]
    return {"top": top, **exposure_of(lists, [p.id for p in matcher.catalogue.international()],
                                      hubs=hubs)}


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
