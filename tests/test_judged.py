"""The judged set: pools, judgements, graded measures, and the shipped files' consistency."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matcher import Catalogue, HashingEmbedder, Matcher, build_bundle, load_bundle, load_catalogue
from matcher.config import MatcherConfig, Weights
from matcher.errors import CatalogueError
from matcher.evaluation import build_set, evaluate, format_table
from matcher.evaluation.judged import (
    JUDGED_DIR,
    JUDGEMENTS_FILE,
    POOL_DEPTH,
    POOLS_FILE,
    Judgements,
    graded_ndcg,
    judged_evaluation,
    load_judgements,
    pools,
    query_measures,
    read_pools,
    write_pools,
)
from matcher.evaluation.models import rank_positions, text_model
from matcher.evaluation.protocol import SHIPPED


@pytest.fixture(scope="module")
def matcher(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path_factory.mktemp("jd"))
    return Matcher(load_bundle(path, reference=catalogue.reference))


def test_graded_ndcg_has_known_values() -> None:
    dcg = 7 + 3 / math.log2(3)  # gains 2**g - 1 = 7, 3, 0 at ranks 1-3
    ideal = 7 + 3 / math.log2(3) + 1 / math.log2(4)  # the judged grades sorted: 3, 2, 1, 0
    assert graded_ndcg([3, 2, 0], [3, 2, 0, 1]) == pytest.approx(dcg / ideal)
    assert graded_ndcg([0, 0], [3]) == 0.0
    assert graded_ndcg([1, 3], [3, 1]) < graded_ndcg([3, 1], [3, 1]) == pytest.approx(1.0)
    assert graded_ndcg([], []) == 0.0


def test_query_measures_count_unjudged_as_zero_and_report_coverage() -> None:
    judged = {"a": 3, "b": 1, "c": 0}
    m = query_measures(["a", "x", "b"], judged, k=10)
    assert m["excellent@10"] == pytest.approx(0.1)
    assert m["judged@10"] == pytest.approx(0.2)
    assert 0 < m["ndcg@10"] < 1


def test_pools_hold_every_models_top_and_are_seeded(matcher: Matcher) -> None:
    es = build_set(matcher)
    models = {"tfidf": text_model("tfidf"), "embedding_only": text_model("embedding_only")}
    first = pools(es, models, seed=3, depth=2)
    assert first == pools(es, models, seed=3, depth=2)
    for i, q in enumerate(es.queries):
        pooled = first[q.profile.id]
        assert len(pooled) == len(set(pooled))
        for model in models.values():
            top = {es.candidates[int(c)].id for c in rank_positions(model(es, i), 3 + 7919 * i)[:2]}
            assert top <= set(pooled)


def test_pools_round_trip(tmp_path: Path) -> None:
    pooled = {"q1": ["b", "a"], "q2": ["c"]}
    write_pools(tmp_path / POOLS_FILE, pooled)
    assert read_pools(tmp_path / POOLS_FILE) == pooled
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(("rows", "message"), [
    ("q,c,4,x\n", "grade 4 is not one of"),
    ("q,c,two,x\n", "grade must be one of"),
    ("q,c,1,x\nq,c,2,y\n", "judged twice"),
    ("q,zz,1,x\n", "candidate 'zz' is not a catalogue id"),
])
def test_bad_judgements_are_refused_naming_the_row(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / JUDGEMENTS_FILE
    path.write_text("query,candidate,grade,note\n" + rows)
    with pytest.raises(CatalogueError, match=message) as info:
        load_judgements(path, known_ids={"q", "c"})
    assert f"{JUDGEMENTS_FILE}:" in str(info.value)


def test_judged_evaluation_prefers_the_model_whose_top_is_judged_better(matcher: Matcher) -> None:
    es = build_set(matcher)
    q = es.queries[0].profile.id
    n = len(es.candidates)
    k = min(POOL_DEPTH, n // 2)

    def ascending(_es, i):  # type: ignore[no-untyped-def]
        return -np.arange(n, dtype=float)  # the catalogue order, no ties

    def descending(_es, i):  # type: ignore[no-untyped-def]
        return np.arange(n, dtype=float)

    ids = [c.id for c in es.candidates]
    # The first candidates are judged poor, the last excellent: the reversed order must win.
    grades = {(q, c): 0 for c in ids[:k]} | {(q, c): 3 for c in ids[-k:]}
    result = judged_evaluation(es, {"descending": descending, "tfidf": ascending},
                               Judgements(grades), seed=0, k=k)
    assert result is not None and result.n_queries == 1
    out = result.to_dict()
    assert out["models"]["descending"]["ndcg@10"]["value"] == pytest.approx(1.0)
    assert out["models"]["tfidf"]["ndcg@10"]["value"] == 0.0
    assert out["paired_differences"][0]["models"] == ["descending", "tfidf"]
    assert out["paired_differences"][0]["metrics"]["ndcg@10"]["value"] == pytest.approx(1.0)
    assert judged_evaluation(es, {"tfidf": ascending}, Judgements({}), seed=0) is None


def test_evaluate_carries_the_judged_table(matcher: Matcher) -> None:
    es = build_set(matcher)
    q = es.queries[0].profile.id
    judgements = Judgements({(q, c.id): 2 for c in es.candidates[:5]})
    result = evaluate(matcher, seed=0, folds=2, temporal_split=None, secondary=False,
                      judgements=judgements).to_dict()
    judged = result["judged"]
    assert judged["n_queries"] == 1 and judged["n_judgements"] == 5
    assert set(judged["models"]) == {"full", "learned", "tfidf", "embedding_only"}


def test_evaluate_measures_the_shipped_weights_where_they_differ(matcher: Matcher) -> None:
    es = build_set(matcher)
    q = es.queries[0].profile.id
    judgements = Judgements({(q, c.id): 2 for c in es.candidates[:5]})
    shipped = Matcher(matcher.bundle, MatcherConfig(weights=Weights(lexical=0.6)))
    result = evaluate(matcher, seed=0, folds=2, temporal_split=None, secondary=False,
                      shipped=shipped, judgements=judgements)
    out = result.to_dict()
    assert SHIPPED in out["models"] and SHIPPED in out["judged"]["models"]
    assert [p["models"] for p in out["paired_differences"]] == [
        ["learned", "tfidf"], ["full", "tfidf"], [SHIPPED, "tfidf"]]
    assert "shipped: the weights the service ranks with" in format_table(result)
    # The shipped ranking is what the tables say it is: the shipped weights, not the hand-set.
    assert out["models"][SHIPPED] == evaluate(shipped, seed=0, folds=2, temporal_split=None,
                                              secondary=False).to_dict()["models"]["full"]
    same = evaluate(matcher, seed=0, folds=2, temporal_split=None, secondary=False,
                    shipped=Matcher(matcher.bundle, matcher.config)).to_dict()
    assert SHIPPED not in same["models"] and len(same["paired_differences"]) == 2


def test_shipped_judgements_grade_german_queries_against_international_candidates() -> None:
    catalogue = load_catalogue()
    judgements = load_judgements(JUDGED_DIR / JUDGEMENTS_FILE, known_ids=catalogue.by_id)
    assert len(judgements.grades) >= 1000
    assert {catalogue.by_id[q].country for q in judgements.queries} == {"DE"}
    assert all(catalogue.by_id[c].country != "DE" for _, c in judgements.grades)
    # Every query of the pools was judged in full: a judge skipped no candidate.
    for query, ids in read_pools(JUDGED_DIR / POOLS_FILE).items():
        assert judgements.of(query).keys() >= set(ids), query


def test_the_check_of_the_judges_separates_known_partners(matcher: Matcher) -> None:
    es = build_set(matcher)
    q = es.queries[0]
    partner = es.candidates[next(iter(q.hidden))].id
    other = next(c.id for j, c in enumerate(es.candidates) if j not in q.hidden)
    result = judged_evaluation(es, {"tfidf": text_model("tfidf")},
                               Judgements({(q.profile.id, partner): 3, (q.profile.id, other): 1}),
                               seed=0)
    assert result is not None
    check = result.to_dict()["known_partners_vs_others"]
    assert check["partners"] == {"n": 1, "mean_grade": 3.0, "excellent": 1.0}
    assert check["others"] == {"n": 1, "mean_grade": 1.0, "excellent": 0.0}
