"""Why a suggestion was made: the score's parts and the pairs of needs and capabilities behind it.

Built for the few profiles that reach the top-k, from their offers and seeks vectors, so that
every suggestion can say in plain words which of our needs the partner answers, which of theirs
we answer, which fields we share or that are related, and which value-chain roles it adds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .embedding import Vectors
from .profiles import Profile
from .relationships import Partnership, SharedNetwork
from .taxonomy import Taxonomy

#: Shown pairs need at least this cosine; weaker pairs are not a reason.
MIN_PAIR_SIMILARITY = 0.3
#: Fields count as related in explanations from this relatedness on.
MIN_RELATED = 0.5
#: Thresholds for the kind of partnership (see :func:`partnership_label`): about the medians of
#: the two components among the top-10 suggestions of the German clusters (default embedder).
SIMILAR_FROM = 0.45
COMPLEMENTARY_FROM = 0.30


@dataclass(frozen=True)
class Pair:
    """A need of one side met by a capability of the other, with their cosine."""

    need: str
    offer: str
    similarity: float


@dataclass(frozen=True)
class RelatedField:
    theirs: str
    ours: str
    relatedness: float


@dataclass(frozen=True)
class Tie:
    """The bilateral tie a suggestion already has with the query."""

    kind: str
    since: int | None


@dataclass(frozen=True)
class Explanation:
    """The reasons behind one suggestion."""

    components: dict[str, float]
    label: str
    they_answer_our_needs: list[Pair] = field(default_factory=list)
    we_answer_their_needs: list[Pair] = field(default_factory=list)
    shared_fields: list[str] = field(default_factory=list)
    related_fields: list[RelatedField] = field(default_factory=list)
    roles_added: list[str] = field(default_factory=list)
    existing_partner: bool = False
    partnership: Tie | None = None
    shared_networks: list[SharedNetwork] = field(default_factory=list)
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def best_pairs(needs: list[str], need_vecs: Vectors, offers: list[str], offer_vecs: Vectors,
               n: int = 3) -> list[Pair]:
    """For each need its best offer; the ``n`` strongest pairs above the threshold, best first."""
    if not needs or not offers:
        return []
    sims = need_vecs @ offer_vecs.T
    best = sims.argmax(axis=1)
    pairs = [Pair(needs[i], offers[int(best[i])], round(float(sims[i, best[i]]), 3))
             for i in range(len(needs))]
    pairs = [p for p in pairs if p.similarity >= MIN_PAIR_SIMILARITY]
    return sorted(pairs, key=lambda p: -p.similarity)[:n]


def partnership_label(components: dict[str, float]) -> str:
    """similar, complementary or both (Makri, Hitt and Lane 2010: the kind matters)."""
    similar = components["thematic"] >= SIMILAR_FROM
    complementary = components["complementarity"] >= COMPLEMENTARY_FROM or (
        components["roles"] >= 0.5 and components["relatedness"] >= MIN_RELATED
    )
    if similar and complementary:
        return "similar and complementary"
    if complementary:
        return "complementary"
    if similar:
        return "similar"
    return "weak fit"


def explain(
    query: Profile,
    candidate: Profile,
    components: dict[str, float],
    *,
    query_seeks: Vectors,
    query_offers: Vectors,
    cand_seeks: Vectors,
    cand_offers: Vectors,
    taxonomy: Taxonomy,
    tie: Partnership | None = None,
    shared_networks: list[SharedNetwork] | None = None,
) -> Explanation:
    """Explain one suggestion; vectors are the rows of each side's seeks and offers.

    ``tie`` is the bilateral tie between the two (None if none); ``shared_networks`` the
    networks both belong to."""
    ours = list(query.seeks)
    theirs = list(candidate.seeks)
    they_answer = best_pairs(ours, query_seeks[: len(ours)], list(candidate.offers),
                             cand_offers[: len(candidate.offers)])
    we_answer = best_pairs(theirs, cand_seeks[: len(theirs)], list(query.offers),
                           query_offers[: len(query.offers)])
    shared = [f for f in candidate.fields if f in query.fields]
    related: list[RelatedField] = []
    for f in candidate.fields:
        if f in query.fields or not query.fields:
            continue
        i = taxonomy.index[f]
        scores = [(float(taxonomy.phi[taxonomy.index[g], i]), g) for g in query.fields]
        value, ours_field = max(scores)
        if value >= MIN_RELATED:
            related.append(RelatedField(f, ours_field, round(value, 3)))
    roles = [r for r in candidate.roles if r not in query.roles]
    rounded = {k: round(float(v), 4) for k, v in components.items()}
    label = partnership_label(rounded)
    known = Tie(tie.kind, tie.since) if tie is not None else None
    shared_networks = shared_networks or []
    return Explanation(
        components=rounded,
        label=label,
        they_answer_our_needs=they_answer,
        we_answer_their_needs=we_answer,
        shared_fields=shared,
        related_fields=related,
        roles_added=roles,
        existing_partner=known is not None,
        partnership=known,
        shared_networks=shared_networks,
        summary=summarise(label, they_answer, we_answer, shared, related, roles, known,
                          shared_networks),
    )


def relationship_sentence(tie: Tie | None, networks: list[SharedNetwork]) -> str:
    """What the two already have: a bilateral tie is a different thing from a shared network."""
    parts = []
    if tie is not None:
        since = f" since {tie.since}" if tie.since else ""
        if tie.kind == "affiliation":
            parts.append(f"One organisation runs or is part of the other{since}.")
        else:
            parts.append(f"Already a partner ({tie.kind}{since}).")
    if networks:
        named = ", ".join(n.name + (f" since {n.since}" if n.since else "") for n in networks[:2])
        more = f" and {len(networks) - 2} more" if len(networks) > 2 else ""
        parts.append(f"Both members of {named}{more}.")
    return " ".join(parts)


def summarise(label: str, they_answer: list[Pair], we_answer: list[Pair],
              shared: list[str], related: list[RelatedField], roles: list[str],
              tie: Tie | None = None, networks: list[SharedNetwork] | None = None) -> str:
    """The explanation in plain English sentences."""
    parts = [f"{label.capitalize()}." if label == "weak fit" else f"{label.capitalize()} partner."]
    if they_answer:
        p = they_answer[0]
        parts.append(f"Answers our need for \u201c{p.need}\u201d with \u201c{p.offer}\u201d.")
    if we_answer:
        p = we_answer[0]
        parts.append(f"We answer their need for \u201c{p.need}\u201d with \u201c{p.offer}\u201d.")
    if shared:
        parts.append(f"Shares the field{'s' if len(shared) > 1 else ''} {', '.join(shared)}.")
    if related:
        r = related[0]
        parts.append(f"Works in {r.theirs}, which is related to our {r.ours}.")
    if roles:
        parts.append(f"Adds the value-chain role{'s' if len(roles) > 1 else ''} {', '.join(roles)}.")
    relationship = relationship_sentence(tie, networks or [])
    if relationship:
        parts.append(relationship)
    return " ".join(parts)

