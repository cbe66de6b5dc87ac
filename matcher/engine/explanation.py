"""Why a suggestion was made: the score's parts and the pairs of needs and capabilities behind it.

Built for the few profiles that reach the top-k, from their offers and seeks vectors, so that
every suggestion can say in plain words which of our needs the partner answers, which of theirs
we answer, which fields we share or that are related, and which value-chain roles it adds. A
"beyond your field" suggestion also carries its value-chain link: the linked fields and the
need/offer pair that joins them, in words taken from the two profiles (no text per field pair).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..catalogue.profiles import Profile
from ..catalogue.relationships import Partnership, SharedNetwork
from ..catalogue.taxonomy import Taxonomy
from .embedding import Vectors
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

    def summary_in(self, lang: str, field_name: Callable[[str], str] = str) -> str:
        """:attr:`summary` in another language (``en`` or ``de``)."""
        chain = self.value_chain
        if chain is not None:
            chain = ValueChain(chain.links, chain.pair, chain.they_offer, value_chain_sentence(
                chain.links, chain.pair, chain.they_offer, lang=lang, field_name=field_name))
        return summarise(self.label, self.they_answer_our_needs, self.we_answer_their_needs,
                         self.shared_fields, self.related_fields, self.roles_added,
                         self.partnership, self.shared_networks, chain, lang=lang,
                         field_name=field_name)


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


def value_chain_sentence(links: list[FieldLink], pair: Pair | None, they_offer: bool, *,
                         lang: str = "en", field_name: Callable[[str], str] = str) -> str:
    """The value-chain link in plain words, from the fields and the profiles' own phrases."""
    if not links:
        return ""
    say = PHRASES.get(lang, PHRASES["en"])
    link = links[0]
    theirs, ours = field_name(link.theirs), field_name(link.ours)
    if pair is None:
        text = say["chain"].format(theirs=theirs, ours=ours)
    else:
        key = "chain_they" if they_offer else "chain_we"
        text = say[key].format(theirs=theirs, ours=ours, offer=pair.offer, need=pair.need)
    evidence = link_evidence(link, lang=lang, field_name=field_name)
    return f"{text} {evidence}".strip()


def link_evidence(link: FieldLink, *, lang: str = "en",
                  field_name: Callable[[str], str] = str) -> str:
    """Why two fields count as linked: the measured relatedness, the partnerships of others."""
    say = PHRASES.get(lang, PHRASES["en"])
    parts = []
    if link.relatedness >= MIN_RELATED:
        parts.append(say["evidence_relatedness"].format(value=f"{link.relatedness:.2f}"))
    if link.partnerships:
        key = "evidence_partnerships" if link.partnerships > 1 else "evidence_partnership"
        parts.append(say[key].format(n=link.partnerships))
    if not parts:
        return ""
    return f"{field_name(link.theirs)} {say['and']} {field_name(link.ours)}: {'; '.join(parts)}."


#: The sentences of a summary per language; ``{...}`` are filled from the explanation.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "weak fit": "Weak fit.", "partner": "{label} partner.",
        "similar and complementary": "Similar and complementary", "complementary": "Complementary",
        "similar": "Similar",
        "they": "Answers our need for \u201c{need}\u201d with \u201c{offer}\u201d.",
        "we": "We answer their need for \u201c{need}\u201d with \u201c{offer}\u201d.",
        "shared1": "Shares the field {fields}.", "shared": "Shares the fields {fields}.",
        "related": "Works in {theirs}, which is related to our {ours}.",
        "roles1": "Adds the value-chain role {roles}.", "roles": "Adds the value-chain roles {roles}.",
        "affiliation": "One organisation runs or is part of the other{since}.",
        "tie": "Already a partner ({kind}{since}).", "since": " since {year}",
        "networks": "Both members of {names}{more}.", "more": " and {n} more",
        "agreement": "agreement", "memorandum": "memorandum", "joint project": "joint project",
        "exchange": "exchange",
        "chain": "Value-chain link: their {theirs} is linked to our {ours}.",
        "chain_they": "Value-chain link from their {theirs} to our {ours}: their offer "
                      "\u201c{offer}\u201d answers our need for \u201c{need}\u201d.",
        "chain_we": "Value-chain link from our {ours} to their {theirs}: our offer "
                    "\u201c{offer}\u201d answers their need for \u201c{need}\u201d.",
        "evidence_relatedness": "relatedness {value} in the U.S. Cluster Mapping",
        "evidence_partnership": "{n} known partnership of others joins them",
        "evidence_partnerships": "{n} known partnerships of others join them",
        "and": "and",
    },
    "de": {
        "weak fit": "Schwache Passung.", "partner": "{label} Partner.",
        "similar and complementary": "Ähnlicher und komplementärer",
        "complementary": "Komplementärer", "similar": "Ähnlicher",
        "they": "Deckt unseren Bedarf an \u201e{need}\u201c mit \u201e{offer}\u201c.",
        "we": "Wir decken ihren Bedarf an \u201e{need}\u201c mit \u201e{offer}\u201c.",
        "shared1": "Gemeinsames Themenfeld: {fields}.", "shared": "Gemeinsame Themenfelder: {fields}.",
        "related": "Arbeitet in {theirs}, verwandt mit unserem Feld {ours}.",
        "roles1": "Ergänzt die Rolle {roles}.", "roles": "Ergänzt die Rollen {roles}.",
        "affiliation": "Eine Organisation trägt die andere oder gehört zu ihr{since}.",
        "tie": "Bereits Partner ({kind}{since}).", "since": " seit {year}",
        "networks": "Beide Mitglied in {names}{more}.", "more": " und {n} weiteren",
        "agreement": "Vereinbarung", "memorandum": "Absichtserklärung",
        "joint project": "gemeinsames Projekt", "exchange": "Austausch",
        "chain": "Wertschöpfungskette: ihr Feld {theirs} ist mit unserem Feld {ours} verbunden.",
        "chain_they": "Wertschöpfungskette von ihrem Feld {theirs} zu unserem Feld {ours}: ihr "
                      "Angebot \u201e{offer}\u201c deckt unseren Bedarf an \u201e{need}\u201c.",
        "chain_we": "Wertschöpfungskette von unserem Feld {ours} zu ihrem Feld {theirs}: unser "
                    "Angebot \u201e{offer}\u201c deckt ihren Bedarf an \u201e{need}\u201c.",
        "evidence_relatedness": "Verwandtschaft {value} in der U.S. Cluster Mapping",
        "evidence_partnership": "{n} bekannte Partnerschaft anderer verbindet sie",
        "evidence_partnerships": "{n} bekannte Partnerschaften anderer verbinden sie",
        "and": "und",
    },
}
ROLE_NAMES_DE = {
    "research": "Forschung", "development": "Entwicklung", "production": "Produktion",
    "application": "Anwendung", "testing": "Test", "services": "Dienstleistungen",
    "education": "Bildung", "funding": "Finanzierung",
}


def relationship_sentence(tie: Tie | None, networks: list[SharedNetwork], lang: str = "en") -> str:
    """What the two already have: a bilateral tie is a different thing from a shared network."""
    say = PHRASES.get(lang, PHRASES["en"])
    parts = []
    if tie is not None:
        since = say["since"].format(year=tie.since) if tie.since else ""
        if tie.kind == "affiliation":
            parts.append(say["affiliation"].format(since=since))
        else:
            parts.append(say["tie"].format(kind=say.get(tie.kind, tie.kind), since=since))
    if networks:
        named = ", ".join(n.name + (say["since"].format(year=n.since) if n.since else "")
                          for n in networks[:2])
        more = say["more"].format(n=len(networks) - 2) if len(networks) > 2 else ""
        parts.append(say["networks"].format(names=named, more=more))
    return " ".join(parts)


def summarise(label: str, they_answer: list[Pair], we_answer: list[Pair],
              shared: list[str], related: list[RelatedField], roles: list[str],
              tie: Tie | None = None, networks: list[SharedNetwork] | None = None,
              chain: ValueChain | None = None, *,
              lang: str = "en", field_name: Callable[[str], str] = str) -> str:
    """The explanation in plain sentences in ``lang`` (en, de), the value-chain link first when
    given; ``field_name`` names a taxonomy term in that language."""
    say = PHRASES.get(lang, PHRASES["en"])
    role = (lambda r: ROLE_NAMES_DE.get(r, r)) if lang == "de" else str
    parts = [say["weak fit"] if label == "weak fit" else say["partner"].format(label=say[label])]
    if chain is not None and chain.sentence:
        # The chain names its pair and its linked fields; the same words are not said twice.
        parts.append(chain.sentence)
        they_answer = [p for p in they_answer[:1] if p != chain.pair]
        we_answer = [p for p in we_answer[:1] if p != chain.pair]
        related = []
    if they_answer:
        parts.append(say["they"].format(need=they_answer[0].need, offer=they_answer[0].offer))
    if we_answer:
        parts.append(say["we"].format(need=we_answer[0].need, offer=we_answer[0].offer))
    if shared:
        parts.append(say["shared1" if len(shared) == 1 else "shared"].format(
            fields=", ".join(field_name(f) for f in shared)))
    if related:
        parts.append(say["related"].format(theirs=field_name(related[0].theirs),
                                           ours=field_name(related[0].ours)))
    if roles:
        parts.append(say["roles1" if len(roles) == 1 else "roles"].format(
            roles=", ".join(role(r) for r in roles)))
    relationship = relationship_sentence(tie, networks or [], lang)
    if relationship:
        parts.append(relationship)
    return " ".join(parts)
