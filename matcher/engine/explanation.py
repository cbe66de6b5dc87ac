"""Why a suggestion was made: the score's parts and the pairs of needs and capabilities behind it.

Built for the few profiles that reach the top-k, from their offers and seeks vectors, so that
every suggestion can say in plain words which of our needs the partner answers, which of theirs
we answer, which fields we share or that are related, and which value-chain roles it adds, and
which German clusters already work with it (whom a cluster manager can ask how it went). A
"beyond your field" suggestion also carries its value-chain link: the linked fields and the
need/offer pair that joins them, in words taken from the two profiles (no text per field pair).

An explanation is data: :meth:`Explanation.reasons` lists its reasons (``matcher.messages.Reason``)
and the message catalogue turns them into sentences in each language; ``summary`` is that
paragraph in English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import messages
from ..catalogue.profiles import Profile
from ..catalogue.relationships import Partnership, SharedNetwork
from ..catalogue.taxonomy import Taxonomy
from ..messages import Reason
from .embedding import Vectors
from .value_chain import FieldLink

#: Shown pairs need at least this cosine; weaker pairs are not a reason.
MIN_PAIR_SIMILARITY = 0.3
#: Fields count as related in explanations (and their relatedness as evidence) from this on.
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
    """The bilateral tie a suggestion already has with the query: its kind, the year it began,
    the year a newer source last confirmed it, and whether its newest dated source is older than
    :data:`~matcher.catalogue.profiles.FRESH_YEARS` years (``unconfirmed``)."""

    kind: str
    since: int | None
    confirmed: int | None = None
    unconfirmed: bool = False


def tie_of(link: Partnership, year: int | None = None) -> Tie:
    """``link`` as shown, judged in ``year`` (this year by default)."""
    return Tie(link.kind, link.since, link.confirmed,
               link.unconfirmed(year or dt.date.today().year))


@dataclass(frozen=True)
class ValueChain:
    """How a partner from another field completes the query's value chain: the linked fields,
    strongest first, and the need/offer pair that joins them; ``they_offer`` says whose offer
    answers whose need (True: their offer answers our need)."""

    links: list[FieldLink]
    pair: Pair | None
    they_offer: bool
    sentence: str

    def reason(self) -> Reason | None:
        """The link as a reason (None without a linked field)."""
        if not self.links:
            return None
        return value_chain_reason(self.links[0], self.pair, self.they_offer)


@dataclass(frozen=True)
class Peer:
    """A German cluster other than the query with a partnership (not an affiliation) with the
    suggestion: someone to ask how working with it went."""

    id: str
    name: str


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
    peers: list[Peer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def reasons(self) -> list[Reason]:
        """The reasons, in the order a reader gets them: the label, the value-chain link (a
        "beyond your field" suggestion), the best need/offer pair each way, shared and related
        fields, added roles, then what the two already have (a tie, shared networks), then the
        German clusters that already work with the suggestion."""
        return reasons(self.label, self.they_answer_our_needs, self.we_answer_their_needs,
                       self.shared_fields, self.related_fields, self.roles_added,
                       self.partnership, self.shared_networks, self.value_chain, self.peers)

    def summary_in(self, lang: str, field_name: Callable[[str], str] = str) -> str:
        """:attr:`summary` in another language (``en`` or ``de``)."""
        return messages.summary(self.reasons(), lang, field_name)


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
    peers: list[Peer] | None = None,
) -> Explanation:
    """Explain one suggestion; vectors are the rows of each side's seeks and offers.

    ``tie`` is the bilateral tie between the two (None if none); ``shared_networks`` the
    networks both belong to; ``field_links`` (a "beyond your field" suggestion) the candidate's
    fields linked to ours, strongest first, which add the value-chain link; ``peers`` the German
    clusters that already work with the candidate, the most similar to the query first."""
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
    known = tie_of(tie) if tie is not None else None
    shared_networks = shared_networks or []
    peers = peers or []
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
        summary=messages.summary(reasons(label, they_answer, we_answer, shared, related, roles,
                                         known, shared_networks, chain, peers)),
        value_chain=chain,
        peers=peers,
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
    sentence = messages.sentence(value_chain_reason(links[0], pair, they_offer)) if links else ""
    return ValueChain(links, pair, they_offer, sentence)


def value_chain_reason(link: FieldLink, pair: Pair | None, they_offer: bool) -> Reason:
    """The value-chain link as a reason: the fields, the pair that joins them, and the evidence
    (the measured relatedness from :data:`MIN_RELATED` on, the partnerships of others)."""
    return Reason("value_chain", {
        "theirs": link.theirs, "ours": link.ours,
        "pair": {"need": pair.need, "offer": pair.offer} if pair is not None else None,
        "they_offer": they_offer,
        "relatedness": link.relatedness if link.relatedness >= MIN_RELATED else None,
        "partnerships": link.partnerships,
    })


def reasons(label: str, they_answer: list[Pair], we_answer: list[Pair],
            shared: list[str], related: list[RelatedField], roles: list[str],
            tie: Tie | None = None, networks: list[SharedNetwork] | None = None,
            chain: ValueChain | None = None, peers: list[Peer] | None = None) -> list[Reason]:
    """The reasons of an explanation in reading order (see :meth:`Explanation.reasons`)."""
    out = [Reason("label", {"label": label})]
    chain_reason = chain.reason() if chain is not None else None
    if chain is not None and chain_reason is not None:
        # The chain names its pair and its linked fields; the same words are not said twice.
        out.append(chain_reason)
        they_answer = [p for p in they_answer[:1] if p != chain.pair]
        we_answer = [p for p in we_answer[:1] if p != chain.pair]
        related = []
    if they_answer:
        out.append(Reason("they_answer", asdict(they_answer[0])))
    if we_answer:
        out.append(Reason("we_answer", asdict(we_answer[0])))
    if shared:
        out.append(Reason("shared_fields", {"fields": list(shared)}))
    if related:
        out.append(Reason("related_field", asdict(related[0])))
    if roles:
        out.append(Reason("roles_added", {"roles": list(roles)}))
    out += relationship_reasons(tie, networks or [])
    if peers:
        out.append(Reason("peers", {"peers": [p.name for p in peers]}))
    return out


def relationship_reasons(tie: Tie | Partnership | None, networks: list[SharedNetwork]) -> list[Reason]:
    """What two profiles already have: a bilateral tie is a different thing from shared networks."""
    out = []
    if tie is not None:
        shown = tie_of(tie) if isinstance(tie, Partnership) else tie
        out.append(Reason("tie", {"kind": shown.kind, "since": shown.since,
                                  "confirmed": shown.confirmed,
                                  "unconfirmed": shown.unconfirmed}))
    if networks:
        out.append(Reason("networks", {"networks": [(n.name, n.since) for n in networks]}))
    return out
