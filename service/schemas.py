"""Request and response models of the JSON API, apart from the domain types.

Lengths and list sizes are capped here, so that an over-long value is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from matcher.catalogue.languages import InterfaceLanguage
from matcher.catalogue.profiles import FRESH_YEARS, MAX_ID, MAX_ITEMS, MAX_PHRASE, MAX_TEXT, id_problem
from matcher.config import MAX_REPORT_TOP, MAX_TOP
from matcher.outcomes.feedback import MAX_NOTE


def _canonical_id(value: str) -> str:
    problem = id_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: A profile id as the catalogue writes it; anything else is a 422 naming the field.
ProfileId = Annotated[str, AfterValidator(_canonical_id)]

# One value of a filter, capped; the lists of values are capped by the MAX_* counts, a little
# above the number of distinct values (247 countries, 22 world regions, 6 continents, 78 fields,
# 7 kinds), so that every value can be named at once.
CountryCode = Annotated[str, StringConstraints(max_length=2, to_upper=True)]
WorldRegionName = Annotated[str, StringConstraints(max_length=60)]
ContinentName = Annotated[str, StringConstraints(max_length=30)]
FieldTerm = Annotated[str, StringConstraints(max_length=80)]
KindName = Annotated[str, StringConstraints(max_length=40)]
MAX_COUNTRIES, MAX_WORLD_REGIONS, MAX_CONTINENTS, MAX_FIELDS, MAX_KINDS = 300, 30, 10, 100, 10


class SizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: int | None = Field(default=None, ge=0, le=10_000_000)
    smes: int | None = Field(default=None, ge=0, le=10_000_000)
    research_institutions: int | None = Field(default=None, ge=0, le=10_000_000)


class ProfileIn(BaseModel):
    """A cluster profile as sent by a client. For ``POST /match`` only name, country and
    description are required; free-text field names are mapped to the taxonomy. The fields that
    only the service writes (:data:`READ_ONLY_FIELDS`) may be sent back as read and are ignored,
    so that a client can write back a profile it fetched; any other unknown field is refused."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=MAX_ID)
    name: str = Field(min_length=1, max_length=MAX_PHRASE)
    kind: str | None = Field(default=None, max_length=40)
    country: str = Field(min_length=2, max_length=2)
    region: str | None = Field(default=None, max_length=MAX_PHRASE)
    nuts: str | None = Field(default=None, max_length=5)
    city: str | None = Field(default=None, max_length=MAX_PHRASE)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    fields: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    description: str = Field(min_length=1, max_length=MAX_TEXT)
    offers: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    seeks: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    roles: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    size: SizeIn | None = None
    website: str | None = Field(default=None, max_length=500)
    contact: str | None = Field(default=None, max_length=500)
    sources: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    updated: str | None = Field(default=None, max_length=10)
    checked: str | None = Field(default=None, max_length=10)
    ended: int | None = Field(default=None, description=(
        "the year it stopped working (wound up or merged); it is then never suggested"))
    successor: str | None = Field(default=None, max_length=MAX_PHRASE, description=(
        "who carries on its work, for a profile that ended"))
    confirmed: int | None = Field(default=None, description=(
        "the year of the newest source seen showing the organisation at work"))

    @model_validator(mode="before")
    @classmethod
    def _ignore_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}
        return data

    def record(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SizePublic(BaseModel):
    members: int | None = None
    smes: int | None = None
    research_institutions: int | None = None


class NetworkPublic(BaseModel):
    id: str
    name: str
    kind: str
    since: int | None = None
    until: int | None = None
    members: list[str] = Field(default_factory=list)


class IntroductionPublic(BaseModel):
    """The German chamber of commerce abroad (AHK) covering a partner's country: named where no
    contact route of the partner is known, as AHKs arrange business contacts."""

    name: str = Field(description="the short German name the chamber uses at home (AHK ...)")
    name_en: str | None = Field(default=None,
                                description="the English name it gives itself, where recorded")
    website: str


INTRODUCTION_DESCRIPTION = (
    "where no contact route is known and it has not ended: the German chamber of commerce "
    "abroad (AHK) that arranges introductions in its country, if one is recorded")


class ProfilePublic(BaseModel):
    id: str
    name: str
    kind: str
    country: str
    world_region: str
    continent: str
    region: str
    nuts: str | None
    city: str | None
    lat: float | None
    lon: float | None
    fields: list[str]
    description: str
    offers: list[str]
    seeks: list[str]
    roles: list[str]
    size: SizePublic
    website: str | None
    contact: str | None = None
    sources: list[str]
    updated: str | None
    checked: str | None = None
    ended: int | None = None
    successor: str | None = None
    confirmed: int | None = Field(default=None, description=(
        "the year of the newest source seen showing the organisation at work; more than "
        f"{FRESH_YEARS} years old, it is shown as not confirmed active since"))
    introduction: IntroductionPublic | None = Field(default=None,
                                                    description=INTRODUCTION_DESCRIPTION)
    partners: list[str] = Field(default_factory=list, description="ids of bilateral partners")
    networks: list[NetworkPublic] = Field(default_factory=list,
                                          description="multi-party networks it belongs to")
    version: int | None = None


#: What ``GET /profiles/{id}`` returns beyond what a client writes: accepted and ignored on write.
READ_ONLY_FIELDS = frozenset(ProfilePublic.model_fields) - frozenset(ProfileIn.model_fields)


class ProfilesPublic(BaseModel):
    data: list[ProfilePublic]
    count: int = Field(description="profiles matching the filters (before paging)")


class PairPublic(BaseModel):
    need: str
    offer: str
    similarity: float


class RelatedFieldPublic(BaseModel):
    theirs: str
    ours: str
    relatedness: float


class TiePublic(BaseModel):
    kind: str
    since: int | None = None
    confirmed: int | None = Field(default=None, description=(
        "the year of the newest source seen showing the cooperation still going"))
    unconfirmed: bool = Field(default=False, description=(
        f"its newest dated source is more than {FRESH_YEARS} years old: it may have lapsed"))


class SharedNetworkPublic(BaseModel):
    id: str
    name: str
    kind: str
    since: int | None = None


class PeerPublic(BaseModel):
    id: str
    name: str


class FieldLinkPublic(BaseModel):
    ours: str = Field(description="the query's field")
    theirs: str = Field(description="the partner's field, one the query does not hold")
    relatedness: float = Field(description="U.S. Cluster Mapping relatedness, rescaled to [0, 1]")
    partnerships: int = Field(description="known partnerships of others joining the two fields")


class ValueChainPublic(BaseModel):
    links: list[FieldLinkPublic] = Field(description="linked fields, strongest first")
    pair: PairPublic | None = Field(description="the need/offer pair that links them")
    they_offer: bool = Field(description="true: their offer answers our need; false: ours theirs")
    sentence: str


class ExplanationPublic(BaseModel):
    components: dict[str, float]
    label: str
    they_answer_our_needs: list[PairPublic]
    we_answer_their_needs: list[PairPublic]
    shared_fields: list[str]
    related_fields: list[RelatedFieldPublic]
    roles_added: list[str]
    existing_partner: bool = Field(description="a bilateral tie exists (see partnership)")
    partnership: TiePublic | None = None
    shared_networks: list[SharedNetworkPublic] = Field(default_factory=list)
    summary: str
    value_chain: ValueChainPublic | None = Field(
        default=None, description="scope=cross_field: how the partner completes the value chain")
    peers: list[PeerPublic] = Field(default_factory=list, description=(
        "German clusters other than the query with a partnership with the suggestion, the most "
        "similar to the query first: whom to ask how working with it went"))


Status = Literal["interested", "contacted", "meeting", "agreement", "not_relevant"]
Reason = Literal["wrong_field", "wrong_size", "already_working_together", "other"]


class FeedbackIn(BaseModel):
    """A cluster manager's mark of one suggestion."""

    model_config = ConfigDict(extra="forbid")
    candidate: ProfileId = Field(description="id of the suggested partner")
    status: Status
    reason: Reason | None = Field(default=None, description="required with not_relevant, "
                                                            "refused with any other status")
    note: str | None = Field(default=None, max_length=MAX_NOTE,
                             description="free text; required with the reason other")


class FeedbackPublic(BaseModel):
    cluster: str
    candidate: str
    status: Status
    reason: Reason | None = None
    note: str | None = None
    by: str = Field(description="admin, or the id of the cluster token that wrote it")
    at: str = Field(description="when, ISO 8601 UTC")


class FeedbackWritten(FeedbackPublic):
    recorded: bool = Field(description="false: the mark repeats the current one; nothing new "
                                       "was stored (the current mark is returned)")


class FeedbackListPublic(BaseModel):
    current: list[FeedbackPublic] = Field(description="each candidate's latest mark")
    history: list[FeedbackPublic] = Field(description="every mark, each candidate's in order")


class MatchPublic(BaseModel):
    id: str
    name: str
    country: str
    region: str
    world_region: str
    fields: list[str]
    score: float
    website: str | None = Field(default=None, description="its own website, where known")
    contact: str | None = Field(default=None, description="its contact route, where known")
    introduction: IntroductionPublic | None = Field(default=None,
                                                    description=INTRODUCTION_DESCRIPTION)
    explanation: ExplanationPublic
    feedback: FeedbackPublic | None = Field(
        default=None, description="the cluster's current mark of this suggestion, if any")


class FieldMapping(BaseModel):
    given: str
    terms: list[str]
    method: str


class QueryPublic(BaseModel):
    id: str
    name: str
    country: str
    fields: list[str]
    field_mappings: list[FieldMapping] = Field(default_factory=list)


class MatchesPublic(BaseModel):
    query: QueryPublic
    scope: str = Field(default="all", description="all, or cross_field (beyond your field)")
    matches: list[MatchPublic]
    count: int


class MatchRequest(BaseModel):
    """An ad-hoc profile and the same options as ``GET /profiles/{id}/matches``."""

    model_config = ConfigDict(extra="forbid")
    profile: ProfileIn
    top: int = Field(default=10, ge=1, le=MAX_TOP)
    country: list[CountryCode] = Field(default_factory=list, max_length=MAX_COUNTRIES)
    world_region: list[WorldRegionName] = Field(default_factory=list, max_length=MAX_WORLD_REGIONS)
    continent: list[ContinentName] = Field(default_factory=list, max_length=MAX_CONTINENTS)
    field: list[FieldTerm] = Field(default_factory=list, max_length=MAX_FIELDS)
    kind: list[KindName] = Field(default_factory=list, max_length=MAX_KINDS)
    exclude_partners: bool = False
    exclude_co_members: bool = False
    include_home: bool = False
    seen_at_work: bool = False
    diversity: bool = True
    scope: Literal["all", "cross_field"] = "all"
    strict: bool = True
    hide_relationships_of: ProfileId | None = Field(default=None, description=(
        "a catalogue id: score the profile as the evaluation scores that one, with none of its "
        "relationships counting anywhere and itself not a candidate (to evaluate a fresh "
        "description of a catalogue cluster from outside)"))


class WriteResult(BaseModel):
    id: str
    version: int
    created: bool


class Health(BaseModel):
    status: str
    checks: dict[str, bool] = Field(default_factory=dict)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    top: int = Field(default=10, ge=1, le=MAX_REPORT_TOP)
    formats: list[str] = Field(default_factory=lambda: ["html", "csv", "xlsx", "pdf"], max_length=4)
    clusters: list[ProfileId] = Field(default_factory=list, max_length=500)
    lang: InterfaceLanguage = Field(default="en", description="language of the HTML and PDF")


class ReportPublic(BaseModel):
    id: str
    status: str
    files: list[str]
    clusters: list[str] = Field(default_factory=list,
                                description="the clusters chosen; empty: every German cluster")
    cluster_count: int = Field(0, description="how many clusters it covers (0: not recorded)")
    lang: str = ""
    top: int = 0
    formats: list[str] = Field(default_factory=list)


class NetworkNodePublic(BaseModel):
    id: str
    name: str
    country: str
    world_region: str
    german: bool
    kind: str
    fields: list[str]
    degree: int = Field(description="distinct profiles it is tied to in this view")
    betweenness: float = Field(description="normalised betweenness centrality in this view")


class NetworkEdgePublic(BaseModel):
    source: str
    target: str
    relation: Literal["bilateral", "co-membership"]
    kind: str = Field(description="the tie's kind (agreement, memorandum, joint project, exchange, "
                                  "affiliation) or co-membership")
    year: int | None = Field(description="since when (both were members, for a network)")
    network: str | None = None
    network_name: str | None = None


class NetworkViewPublic(BaseModel):
    fields: list[str]
    world_regions: list[str]
    edges: str


class PartnershipNetworkPublic(BaseModel):
    """Profiles, their bilateral ties and network co-memberships, with degree and betweenness."""

    view: NetworkViewPublic
    counts: dict[str, int]
    nodes: list[NetworkNodePublic]
    edges: list[NetworkEdgePublic]
    brokers: list[str] = Field(description="ids with the highest betweenness, highest first")
    without_international_tie: list[str] = Field(
        description="German profiles in view without any tie to a profile outside Germany")


class AlertPublic(BaseModel):
    id: str
    cluster: str
    candidate: str
    candidate_name: str | None
    kind: Literal["new", "up"] = Field(description="new in the top-k, or moved up")
    place: int = Field(description="its place in the top-k now, from 1")
    previous_place: int | None
    score: float
    created_at: str = Field(description="ISO 8601 UTC")


class AlertsPublic(BaseModel):
    data: list[AlertPublic] = Field(description="newest first")
    count: int


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorPublic(BaseModel):
    """The one shape of every 4xx and 5xx response."""

    error: ErrorBody


class ReloadPublic(BaseModel):
    bundle: str
    profiles: int
