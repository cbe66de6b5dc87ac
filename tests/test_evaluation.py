"""Evaluation: metrics with known values, the hold-out really hides, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher import Catalogue, HashingEmbedder, Matcher, Relationships, build_bundle, load_bundle
from matcher.evaluation import (
    EvaluationSet,
    WeightLearner,
    bootstrap_ci,
    build_set,
    evaluate,
    evaluate_model,
    format_table,
    hit_at_k,
    ndcg_at_k,
    popularity,
    recall_at_k,
    reciprocal_rank,
    summarise,
)
from matcher.evaluation.models import linear, rank_positions
from matcher.outcomes.feedback import FeedbackLabels

RANKING = [False, True, False, True, False]  # relevant at ranks 2 and 4, two relevant in all


def test_hit_and_recall_at_k() -> None:
    assert hit_at_k(RANKING, 1) == 0.0
    assert hit_at_k(RANKING, 2) == 1.0
    assert recall_at_k(RANKING, 2, 2) == 0.5
    assert recall_at_k(RANKING, 5, 2) == 1.0
    assert recall_at_k(RANKING, 5, 4) == 0.5  # two relevant items were never ranked


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKING) == 0.5
    assert reciprocal_rank([False, False]) == 0.0
    assert reciprocal_rank([True]) == 1.0


def test_ndcg_at_k() -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(RANKING, 10, 2) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([True, True], 10, 2) == pytest.approx(1.0)
    assert ndcg_at_k(RANKING, 1, 2) == 0.0


def test_bootstrap_interval_brackets_the_mean_and_is_seeded() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    lo, hi = bootstrap_ci(values, seed=1)
    assert lo <= np.mean(values) <= hi
    assert bootstrap_ci(values, seed=1) == (lo, hi)
    assert bootstrap_ci([0.5] * 5, seed=3) == (0.5, 0.5)


def test_weight_learner_follows_estimator_conventions() -> None:
    learner = WeightLearner()
    with pytest.raises(Exception, match="not fitted"):
        _ = learner.weights
    rng = np.random.default_rng(0)
    x = rng.random((200, 6))
    y = (x[:, 2] > 0.7).astype(np.int64)  # only the third component (complementarity) matters
    assert learner.fit(x, y) is learner
    w = learner.weights_.as_dict()
    assert max(w, key=w.__getitem__) == "complementarity"
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-3)


@pytest.fixture(scope="module")
def partnered_matcher(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path_factory.mktemp("ev"))
    return Matcher(load_bundle(path, reference=catalogue.reference))


def memoriser(es: EvaluationSet, i: int) -> np.ndarray:
    """Ranks the query's known partners first, as far as it can see them, then by popularity."""
    known = np.zeros(len(es.candidates))
    known[list(es.visible_partners[i])] = 1e6
    return known + es.degree_without[i]


def test_hold_out_hides_the_partnerships(partnered_matcher: Matcher) -> None:
    es = build_set(partnered_matcher)
    assert [q.profile.id for q in es.queries] == ["de-aero", "de-photonics"]
    assert all(not visible for visible in es.visible_partners)
    memo = summarise(evaluate_model(es, memoriser, 0), 0)
    pop = summarise(evaluate_model(es, popularity, 0), 0)
    for metric in ("hit@1", "hit@10", "mrr", "ndcg@10"):
        assert memo[metric]["value"] <= pop[metric]["value"]
    # The check can fail: a set that leaks the answers lets the memoriser win.
    es.visible_partners = [set(q.hidden) for q in es.queries]
    leaked = summarise(evaluate_model(es, memoriser, 0), 0)
    assert leaked["hit@1"]["value"] == 1.0 > pop["hit@1"]["value"]


def test_score_features_do_not_depend_on_partnerships(partnered_matcher: Matcher,
                                                      catalogue: Catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    without = Catalogue(catalogue.profiles, Relationships(), catalogue.reference)
    bundle = load_bundle(build_bundle(without, HashingEmbedder(), models_dir=tmp_path),
                         reference=catalogue.reference)
    m = Matcher(bundle)
    rows = np.arange(len(catalogue.profiles))
    q = catalogue.get("de-aero")
    a, _ = partnered_matcher.score(q, rows, partnered_matcher._query_arrays(q))
    b, _ = m.score(q, rows, m._query_arrays(q))
    np.testing.assert_array_equal(a, b)


def test_evaluation_is_deterministic_under_a_seed(partnered_matcher: Matcher) -> None:
    first = evaluate(partnered_matcher, seed=5, folds=2, temporal_split=None).to_dict()
    second = evaluate(partnered_matcher, seed=5, folds=2, temporal_split=None).to_dict()
    assert first == second
    assert first["n_queries"] == 2
    names = set(first["models"])
    assert {"full", "learned", "random", "popularity", "same_field", "tfidf", "embedding_only",
            "without_thematic", "without_complementarity"} <= names
    assert set(first["models"]["full"]["mrr"]) == {"value", "ci95"}


FEEDBACK = FeedbackLabels(
    positive={"de-aero-home": {"ca-aero-mutual", "jp-photonics-1"}, "de-aero": {"ca-aero-mutual"}},
    dismissed={"de-photonics": {"kr-photonics"}},
)


def test_feedback_labels_join_the_partnerships(partnered_matcher: Matcher) -> None:
    es = build_set(partnered_matcher, feedback=FEEDBACK)
    ids = [q.profile.id for q in es.queries]
    assert ids == ["de-aero", "de-aero-home", "de-photonics"]  # de-aero-home: feedback only
    names = {i: es.candidates[i].id for i in range(len(es.candidates))}
    aero, home, photonics = es.queries
    assert {names[i] for i in aero.hidden} == {"fr-aero-oneside", "ca-aero-mutual"}
    assert {names[i] for i in aero.from_feedback} == {"ca-aero-mutual"}
    assert home.hidden == home.from_feedback and len(home.hidden) == 2
    assert {names[i] for i in photonics.dismissed} == {"kr-photonics"}


def test_default_protocol_is_unchanged_without_feedback(partnered_matcher: Matcher) -> None:
    plain = evaluate(partnered_matcher, seed=5, folds=2, temporal_split=None, secondary=False)
    assert plain.to_dict() == evaluate(partnered_matcher, seed=5, folds=2, temporal_split=None,
                                       secondary=False, feedback=None).to_dict()
    assert "labels" not in plain.to_dict() and "labels:" not in format_table(plain)
    assert plain.to_dict()["protocol"]["name"] == "partners, all relationships hidden"


def test_feedback_moves_the_weights_only_from_the_minimum_on(partnered_matcher: Matcher) -> None:
    # Three folds of three queries: every fold trains on one query with a partnership.
    kwargs = {"seed": 5, "folds": 3, "temporal_split": None, "secondary": False}
    plain = evaluate(partnered_matcher, **kwargs)  # type: ignore[arg-type]
    below = evaluate(partnered_matcher, feedback=FEEDBACK, min_feedback=4, **kwargs)  # type: ignore[arg-type]
    above = evaluate(partnered_matcher, feedback=FEEDBACK, min_feedback=3, **kwargs)  # type: ignore[arg-type]
    assert below.n_queries == above.n_queries == 3
    assert below.labels is not None and not below.labels["feedback_moves_weights"]
    assert below.labels["feedback_positive_new"] == 3
    assert below.learned_weights == plain.learned_weights  # fitted on the partnerships alone
    assert above.labels is not None and above.labels["feedback_moves_weights"]
    assert above.learned_weights != plain.learned_weights
    dismissed = above.labels["dismissed_in_top_10"]["full"]
    # The one dismissed candidate (kr-photonics for de-photonics), ranked as the full model ranks.
    es = build_set(partnered_matcher, feedback=FEEDBACK)
    i = next(n for n, q in enumerate(es.queries) if q.profile.id == "de-photonics")
    order = rank_positions(linear(partnered_matcher.config.weights)(es, i), 5 + 7919 * i)
    place = [es.candidates[int(c)].id for c in order].index("kr-photonics")
    assert dismissed["n_queries"] == 1 and dismissed["value"] == (1.0 if place < 10 else 0.0)
    text = format_table(below)
    assert "partners and feedback" in text and "feedback moves the weights: no" in text


def test_paired_difference_is_the_mean_of_per_query_differences(partnered_matcher: Matcher) -> None:
    result = evaluate(partnered_matcher, seed=5, folds=3, temporal_split=None, secondary=False)
    paired = result.to_dict()["paired_differences"][0]
    assert paired["models"] == ["learned", "tfidf"]
    for name in ("hit@10", "mrr"):
        diffs = [a[name] - b[name] for a, b in zip(result.per_query["learned"],
                                                    result.per_query["tfidf"], strict=True)]
        d = paired["metrics"][name]
        assert d["value"] == pytest.approx(float(np.mean(diffs)), abs=1e-4)
        assert d["ci95"][0] <= d["value"] <= d["ci95"][1]
    assert "learned - tfidf, paired over the same queries: hit@10" in format_table(result)


def test_paired_difference_of_a_model_with_itself_is_zero() -> None:
    from matcher.evaluation.metrics import paired_difference

    per_query = [{"mrr": 0.5}, {"mrr": 1.0}, {"mrr": 0.0}]
    assert paired_difference(per_query, per_query, ["mrr"], seed=0) == {
        "mrr": {"value": 0.0, "ci95": [0.0, 0.0]}}
    before = [{"mrr": 0.5}] * 8 + [{"mrr": 1.0}] * 2
    after = [{"mrr": 1.0}] * 10  # better on 8 of 10 queries, never worse
    d = paired_difference(after, before, ["mrr"], seed=0)["mrr"]
    assert d["value"] == pytest.approx(0.4, abs=1e-4) and d["ci95"][0] > 0
