"""Evaluation sets: the queries (German clusters with known partners, or co-members), what is
hidden for each, the candidates, and the features every model ranks with; cold-start queries re-
entered as a new user would type them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..catalogue.catalogue import Catalogue, Reference, parse_query_profile
from ..catalogue.languages import stop_words
from ..catalogue.profiles import Profile
from ..engine.lexical import profile_words
from ..engine.ranking import Matcher
from ..errors import ClusterBridgeError, InvalidInputError
from ..outcomes.feedback import FeedbackLabels
from .metrics import Array

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
