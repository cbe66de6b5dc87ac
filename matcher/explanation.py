"""Why a suggestion was made: the score's parts and the pairs of needs and capabilities behind it.

Built for the few profiles that reach the top-k, from their offers and seeks vectors, so that
every suggestion can say in plain words which of our needs the partner answers, which of theirs
we answer, which fields we share or that are related, and which value-chain roles it adds. A
"beyond your field" suggestion also carries its value-chain link: the linked fields and the
need/offer pair that joins them, in words taken from the two profiles (no text per field pair).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .embedding import Vectors
from .profiles import Profile
from .relationships import Partnership, SharedNetwork
from .taxonomy import Taxonomy
from .value_chain import FieldLink

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
class ValueChain:
    """How a partner from another field completes the query's value chain: the linked fields,
    strongest first, and the need/offer pair that joins them; ``they_offer`` says whose offer
    answers whose need (True: their offer answers our need)."""

    links: list[FieldLink]
    pair: Pair | None
    they_offer: bool
    sentence: str


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
    value_chain: ValueChain | None = None

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
    field_links: list[FieldLink] | None = None,
) -> Explanation:
    """Explain one suggestion; vectors are the rows of each side's seeks and offers.

    ``tie`` is the bilateral tie between the two (None if none); ``shared_networks`` the
    networks both belong to; ``field_links`` (a "beyond your field" suggestion) the candidate's
    fields linked to ours, strongest first, which add the value-chain link."""
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
    chain = value_chain(field_links, they_answer, we_answer) if field_links is not None else None
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
                          shared_networks, chain),
        value_chain=chain,
    )


def value_chain(links: list[FieldLink], they_answer: list[Pair], we_answer: list[Pair],
                ) -> ValueChain:
    """The value-chain link of a "beyond your field" suggestion: its strongest field link and
    the strongest need/offer pair in either direction."""
    best_they = they_answer[0] if they_answer else None
    best_we = we_answer[0] if we_answer else None
    they_offer = best_we is None or (best_they is not None
                                     and best_they.similarity >= best_we.similarity)
    pair = best_they if they_offer else best_we
    return ValueChain(links, pair, they_offer, value_chain_sentence(links, pair, they_offer))


def value_chain_sentence(links: list[FieldLink], pair: Pair | None, they_offer: bool) -> str:
    """The value-chain link in plain English, from the fields and the profiles' own phrases."""
    if not links:
        return ""
    link = links[0]
    if pair is None:
        text = f"Value-chain link: their {link.theirs} is linked to our {link.ours}."
    elif they_offer:
        text = (f"Value-chain link from their {link.theirs} to our {link.ours}: their offer "
                f"\u201c{pair.offer}\u201d answers our need for \u201c{pair.need}\u201d.")
    else:
        text = (f"Value-chain link from our {link.ours} to their {link.theirs}: our offer "
                f"\u201c{pair.offer}\u201d answers their need for \u201c{pair.need}\u201d.")
    return f"{text} {link_evidence(link)}"


def link_evidence(link: FieldLink) -> str:
    """Why two fields count as linked: the measured relatedness, the partnerships of others."""
    parts = []
    if link.relatedness >= MIN_RELATED:
        parts.append(f"relatedness {link.relatedness:.2f} in the U.S. Cluster Mapping")
    if link.partnerships:
        many = link.partnerships > 1
        parts.append(f"{link.partnerships} known partnership{'s' if many else ''} of others "
                     f"join{'' if many else 's'} them")
    return f"{link.theirs} and {link.ours}: {'; '.join(parts)}." if parts else ""


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
              tie: Tie | None = None, networks: list[SharedNetwork] | None = None,
              chain: ValueChain | None = None) -> str:
    """The explanation in plain English sentences (the value-chain link first when given)."""
    parts = [f"{label.capitalize()}." if label == "weak fit" else f"{label.capitalize()} partner."]
    if chain is not None and chain.sentence:
        # The chain names its pair and its linked fields; the same words are not said twice.
        parts.append(chain.sentence)
        they_answer = [p for p in they_answer[:1] if p != chain.pair]
        we_answer = [p for p in we_answer[:1] if p != chain.pair]
        related = []
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

