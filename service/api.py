"""The versioned JSON API under ``/api/v1``: translates HTTP to :mod:`matcher` calls and back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from matcher import (
    BundleError,
    Catalogue,
    Filters,
    InvalidInputError,
    Matcher,
    MatchResult,
    Profile,
)
from matcher.analysis.network import edges_csv, nodes_csv, to_graphml
from matcher.catalogue.profiles import parse_profile
from matcher.config import MAX_TOP
from matcher.engine.filters import select_profiles
from matcher.outcomes.feedback import Feedback
from matcher.reports import parse_formats
from matcher.store import iso_utc
from service.report_jobs import ReportRecord, download_name

from .deps import (
    FeedbackWriterDep,
    FiltersDep,
    MarksReaderDep,
    MatcherDep,
    StateDep,
    WriterDep,
    bearer_token,
    checked_filters,
    marks_and_filters,
    may_read_marks,
    named_as_parameter,
    remember_write,
    require_reader,
)
from .errors import APIError
from .schemas import (
    MAX_FIELDS,
    MAX_WORLD_REGIONS,
    AlertPublic,
    AlertsPublic,
    ErrorPublic,
    FeedbackIn,
    FeedbackListPublic,
    FeedbackPublic,
    FeedbackWritten,
    FieldTerm,
    MatchesPublic,
    MatchRequest,
    PartnershipNetworkPublic,
    ProfileIn,
    ProfilePublic,
    ProfilesPublic,
    ReloadPublic,
    ReportPublic,
    ReportRequest,
    WorldRegionName,
    WriteResult,
)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorPublic, "description": "the request cannot be served; see error.code"},
    "5XX": {"model": ErrorPublic, "description": "the service failed; nothing internal is shown"},
}
router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_reader)],
                   responses=ERROR_RESPONSES)

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "unknown id; details name the closest ids"},
    422: {"model": ErrorPublic, "description": "invalid input; details name the field"},
}


def introduction_public(profile: Profile, catalogue: Catalogue) -> dict[str, str | None] | None:
    """The chamber abroad to name beside ``profile`` (the catalogue's rule), in the API's shape."""
    chamber = catalogue.reference.chambers.introduction_for(profile)
    if chamber is None:
        return None
    return {"name": chamber.name, "name_en": chamber.name_en or None, "website": chamber.website}


def profile_public(profile: Profile, catalogue: Catalogue, version: int | None = None) -> ProfilePublic:
    geo = catalogue.reference.geography
    data = profile.to_dict()
    data["introduction"] = introduction_public(profile, catalogue)
    data["world_region"] = geo.world_region(profile.country)
    data["continent"] = geo.continent(profile.country)
    data["partners"] = sorted(catalogue.partners_of(profile.id))
    relationships = catalogue.relationships
    data["networks"] = [{**n.to_dict(), "members": relationships.members_of(n.id)}
                        for n in relationships.networks_of(profile.id)]
    data["version"] = version
    return ProfilePublic.model_validate(data)


def feedback_public(entry: Feedback) -> dict[str, Any]:
    data = entry.to_dict()
    data["by"] = data.pop("actor")
    return data


def matches_public(result: MatchResult, catalogue: Catalogue,
                   marks: dict[str, Feedback] | None = None) -> MatchesPublic:
    """The API shape of ``result``: each match with the ways to reach the partner (its website,
    contact route, or the chamber abroad) from ``catalogue``; ``marks`` (candidate id -> the
    cluster's current mark) fill each match's ``feedback``."""
    data = result.to_dict()
    for match in data["matches"]:
        partner = catalogue.get(match["id"])
        match["website"], match["contact"] = partner.website, partner.contact
        match["introduction"] = introduction_public(partner, catalogue)
        mark = (marks or {}).get(match["id"])
        match["feedback"] = feedback_public(mark) if mark is not None else None
    return MatchesPublic.model_validate({**data, "count": len(result.matches)})


@router.get("/profiles", response_model=ProfilesPublic, summary="List profiles")
def list_profiles(
    matcher: MatcherDep,
    filters: FiltersDep,
    side: Literal["german", "international"] | None = None,
    q: Annotated[str | None, Query(max_length=200, description="name search")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ProfilesPublic:
    catalogue = matcher.catalogue
    selected = select_profiles(catalogue, filters, side, q)
    page = selected[offset : offset + limit]
    return ProfilesPublic(data=[profile_public(p, catalogue) for p in page], count=len(selected))


@router.get("/profiles/{profile_id}", response_model=ProfilePublic, responses=ERRORS,
            summary="One profile")
def get_profile(profile_id: str, state: StateDep, response: Response) -> ProfilePublic:
    catalogue = state.matcher.catalogue
    stored = state.store.get(profile_id, state.reference)
    if stored is None:
        catalogue.get(profile_id)  # raises the 404 with the closest ids
        raise APIError(404, f"unknown profile id {profile_id!r}", {"id": profile_id})
    # Body and version from one database row: a client that sends this version back with
    # If-Match gets 409 unless nobody wrote in between (no lost update).
    profile, version = stored
    response.headers["ETag"] = f'"{version}"'  # the same tag PUT returns, for If-Match
    return profile_public(profile, catalogue, version)


@router.get("/profiles/{profile_id}/matches", response_model=MatchesPublic, responses=ERRORS,
            summary="Suggested partners of a catalogue profile")
async def profile_matches(
    profile_id: str,
    request: Request,
    state: StateDep,
    filters: FiltersDep,
    top: Annotated[int, Query(ge=1, le=MAX_TOP)] = 10,
    diversity: bool = True,
    scope: Annotated[Literal["all", "cross_field"], Query(
        description="all: every candidate; cross_field: partners from other fields linked to "
                    "the profile's (beyond your field), by two-sided need/offer fit and the link, "
                    "offers that suit any cluster ranked lower")] = "all",
    strict: Annotated[bool, Query(
        description="scope=cross_field: no suggestion shares a field with the profile")] = True,
    include_dismissed: Annotated[bool, Query(
        description="with the cluster's own token: also list candidates it marked "
                    "not_relevant (without it they are never left out)")] = False,
    known: Annotated[bool, Query(
        description="also list the profile's known partners and network co-members (left out "
                    "by default, as on its page)")] = False,
) -> Response:
    # The same list as the cluster's page for the same request (cluster_page_filters): known
    # partners and co-members apart unless ``known``; the cluster's dismissals applied, and its
    # marks and notes shown, only for its own (or the admin) token.
    given = bearer_token(request)
    private = given is not None and await run_in_threadpool(may_read_marks, state, given,
                                                            profile_id)

    def compute(matcher: Matcher) -> bytes:
        marks, shown = marks_and_filters(state, profile_id, filters,
                                         include_dismissed or not private, known=known)
        result = matcher.match(profile_id, top=top, filters=shown, diversity=diversity,
                               scope=scope, strict=strict)
        return matches_public(result, matcher.catalogue,
                              marks if private else None).model_dump_json().encode()

    # Cached until the next write anywhere (any worker, any host); unknown ids raise, uncached.
    # A cached answer is sent from the event loop; computing one runs on the thread pool.
    key = ("matches", profile_id, top, filters, diversity, scope, strict, include_dismissed,
           private, known)
    body = state.answers.get(key)
    if body is None:
        body = await run_in_threadpool(state.answer, key, compute, True)
    return Response(body, media_type="application/json")


@router.post("/match", response_model=MatchesPublic, responses={
    **ERRORS, 503: {"model": ErrorPublic, "description": "busy (Retry-After) or timed out"},
}, summary="Suggested partners of an ad-hoc profile")
async def match_ad_hoc(body: MatchRequest, request: Request, state: StateDep) -> MatchesPublic:
    # async only to wait: the work runs on the bounded ad-hoc queue, never on the event loop.
    matcher = state.matcher

    def work() -> MatchesPublic:
        filters = Filters(
            countries=tuple(body.country), world_regions=tuple(body.world_region),
            continents=tuple(body.continent), fields=tuple(body.field), kinds=tuple(body.kind),
            exclude_partners=body.exclude_partners, exclude_co_members=body.exclude_co_members,
            include_home=body.include_home, seen_at_work=body.seen_at_work,
        )
        checked_filters(matcher.catalogue, filters)
        return matches_public(matcher.match_record(
            body.profile.record(), top=body.top, filters=filters, diversity=body.diversity,
            scope=body.scope, strict=body.strict, hide_relationships_of=body.hide_relationships_of),
            matcher.catalogue)

    return await state.adhoc.run(request, work)


@router.put("/profiles/{profile_id}", response_model=WriteResult, responses={
    **ERRORS, 401: {"model": ErrorPublic, "description": "no token"},
    403: {"model": ErrorPublic, "description": "wrong token"},
    409: {"model": ErrorPublic, "description": "stale version (If-Match)"},
    429: {"model": ErrorPublic, "description": "rate limited"},
}, summary="Add or update a profile (bearer token)")
def put_profile(
    profile_id: str,
    request: Request,
    body: ProfileIn,
    state: StateDep,
    _: WriterDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=20, description="expected version")] = None,
) -> WriteResult:
    if body.id is not None and body.id != profile_id:
        raise APIError(422, "id: must equal the id in the path", {"field": "id"})
    record = {**body.record(), "id": profile_id}
    reference = state.reference
    profile, problems, _mappings = parse_profile(record, reference.geography, reference.taxonomy,
                                         strict=True, require_sources=False)
    if profile is None:
        field, message = problems[0]
        raise APIError(422, f"{field}: {message}", {"field": field})
    expected: int | None = None
    current = state.store.version(profile_id)
    if if_match is not None and if_match.strip() == "*":  # any version, but it must exist
        if current is None:
            raise APIError(409, f"If-Match: *: profile {profile_id!r} does not exist",
                           {"current_version": None})
        expected = current
    elif if_match is not None:
        try:
            expected = int(if_match.strip().removeprefix("W/").strip('"'))
        except ValueError:
            raise APIError(422, "If-Match: must be a version number or *",
                           {"field": "If-Match"}) from None
    created = current is None
    version = state.update_profile(profile, expected)
    remember_write(request, response, state)
    response.headers["ETag"] = f'"{version}"'
    response.status_code = 201 if created else 200
    return WriteResult(id=profile_id, version=version, created=created)


@router.post("/profiles/{profile_id}/feedback", response_model=FeedbackWritten, status_code=201,
             responses={
                 **ERRORS, 200: {"model": FeedbackWritten,
                                 "description": "the mark repeats the current one: nothing new"},
                 401: {"model": ErrorPublic, "description": "no token"},
                 403: {"model": ErrorPublic, "description": "not the admin token nor this "
                                                            "cluster's token"},
                 429: {"model": ErrorPublic, "description": "rate limited"}},
             summary="Mark a suggestion (this cluster's token or the admin token)")
def post_feedback(profile_id: str, body: FeedbackIn, state: StateDep, principal: FeedbackWriterDep,
                  request: Request, response: Response) -> FeedbackWritten:
    entry, recorded = state.record_feedback(profile_id, body.candidate, body.status, body.reason,
                                            body.note, principal.actor)
    remember_write(request, response, state)
    if not recorded:
        response.status_code = 200
    return FeedbackWritten(**feedback_public(entry), recorded=recorded)


@router.get("/profiles/{profile_id}/feedback", response_model=FeedbackListPublic, responses=ERRORS,
            summary="A cluster's marks of its suggestions, current and history (this "
                    "cluster's token or the admin token)")
def get_feedback(profile_id: str, state: StateDep, _: MarksReaderDep) -> FeedbackListPublic:
    state.matcher.catalogue.get(profile_id)
    current = sorted(state.store.feedback_current(profile_id).values(), key=lambda e: e.candidate)
    return FeedbackListPublic(
        current=[FeedbackPublic(**feedback_public(e)) for e in current],
        history=[FeedbackPublic(**feedback_public(e))
                 for e in state.store.feedback_history(profile_id)])


@router.get("/profiles/{profile_id}/alerts", response_model=AlertsPublic, responses=ERRORS,
            summary="New and moved-up suggestions of a German cluster since a time")
def get_alerts(
    profile_id: str,
    state: StateDep,
    since: Annotated[datetime | None, Query(
        description="ISO 8601 time; only alerts created after it (no zone: UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertsPublic:
    catalogue = state.matcher.catalogue
    catalogue.get(profile_id)
    try:
        after = iso_utc(since) if since is not None else None
    except OverflowError:  # a time near year 1 or 9999 whose UTC falls outside the calendar
        raise APIError(422, "since: out of range", {"field": "since"}) from None
    alerts = state.store.alerts(profile_id, after, limit)
    names = catalogue.by_id
    data = [AlertPublic(**{k: v for k, v in a.to_dict().items() if k != "version"},
                        candidate_name=names[a.candidate].name if a.candidate in names else None)
            for a in alerts]
    return AlertsPublic(data=data, count=len(data))


@router.get("/outcomes", summary="What suggestions became: the funnel suggested -> interested -> "
            "contacted -> meeting -> agreement, by field and world region, beside the 10.5% "
            "meeting-to-MoU anchor")
def outcomes(state: StateDep) -> dict[str, Any]:
    return state.outcomes().to_dict()


@router.get("/coverage", summary="Coverage matrix, gaps and lists for programme staff")
def coverage(
    state: StateDep,
    level: Literal["world_region", "continent"] = "world_region",
    field: Annotated[str | None, Query(max_length=80, description="with region: one cell")] = None,
    region: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    result = state.coverage(level)
    if field is not None or region is not None:
        if field is None or region is None:
            raise APIError(422, "field and region: give both for a cell", {"field": "field"})
        return result.cell_details(field, region)
    return result.to_dict()


NETWORK_FORMATS = {"graphml": "application/graphml+xml", "csv": "text/csv"}


@router.get("/network", response_model=PartnershipNetworkPublic, summary="The partnership network "
            "for programme staff: profiles, bilateral ties and network co-memberships, with degree, "
            "brokers (betweenness) and German clusters without any international tie", responses={
                **ERRORS, 200: {"description": "JSON; with format=graphml GraphML, with format=csv "
                                               "the edges (table=nodes: the nodes) as CSV",
                                "content": {t: {"schema": {"type": "string"}}
                                            for t in NETWORK_FORMATS.values()}}})
def network(
    state: StateDep,
    field: Annotated[list[FieldTerm], Query(max_length=MAX_FIELDS, description=(
        "taxonomy term; profiles holding one of them"))] = [],  # noqa: B006
    world_region: Annotated[list[WorldRegionName], Query(max_length=MAX_WORLD_REGIONS, description=(
        "UN M49 sub-region of the partners; German profiles always stay"))] = [],  # noqa: B006
    edges: Literal["all", "bilateral", "co_membership"] = "all",
    format: Literal["json", "graphml", "csv"] = "json",
    table: Literal["edges", "nodes"] = "edges",
) -> PartnershipNetworkPublic | Response:
    try:
        view = state.network(tuple(v for v in field if v), tuple(v for v in world_region if v),
                             edges)
    except InvalidInputError as exc:
        raise named_as_parameter(exc) from None
    if format == "json":
        return PartnershipNetworkPublic.model_validate(view.to_dict())
    if format == "graphml":
        body: str | bytes = to_graphml(view.graph, view.metrics)
        name = "partnership-network.graphml"
    else:
        body = edges_csv(view.graph) if table == "edges" else nodes_csv(view.graph, view.metrics)
        name = f"partnership-network-{table}.csv"
    media = NETWORK_FORMATS[format] + ("; charset=utf-8" if format == "csv" else "")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/reports", response_model=ReportPublic, status_code=202, responses={
    **ERRORS, 429: {"model": ErrorPublic, "description": "the report queue is full (Retry-After)"},
}, summary="Start a batch report (bearer token)")
def start_report(body: ReportRequest, state: StateDep, _: WriterDep) -> ReportPublic:
    formats = parse_formats(",".join(body.formats))
    job_id = state.start_report(body.top, formats, tuple(body.clusters), body.lang)
    return report_public(_job(state, job_id))


def report_public(job: ReportRecord) -> ReportPublic:
    return ReportPublic(id=job.id, status=job.status, files=job.files, clusters=job.clusters,
                        cluster_count=job.cluster_count, lang=job.lang, top=job.top,
                        formats=job.formats)


def _job(state: StateDep, report_id: str) -> ReportRecord:
    job = state.reports.get(report_id)
    if job is None:
        raise APIError(404, f"unknown report {report_id!r}", {"id": report_id})
    return job


@router.get("/reports/{report_id}", response_model=ReportPublic, responses=ERRORS,
            summary="Status and files of a report")
def report_status(report_id: str, state: StateDep) -> ReportPublic:
    return report_public(_job(state, report_id))


@router.get("/reports/{report_id}/files/{name}", responses=ERRORS, response_class=FileResponse,
            summary="Download one file of a finished report (saved under a name that says "
                    "what it covers)")
def report_file(report_id: str, name: str, state: StateDep) -> FileResponse:
    job = _job(state, report_id)
    path = state.reports.file(report_id, name)
    if path is None:
        raise APIError(404, f"report {report_id!r} has no file {name!r}", {"name": name})
    return FileResponse(path, filename=download_name(job, name))


@router.post("/admin/rebuild", response_model=ReloadPublic, summary="Rebuild the bundle from the "
             "database and switch to it when complete (bearer token)")
def admin_rebuild(state: StateDep, _: WriterDep) -> ReloadPublic:
    state.rebuild()
    return ReloadPublic(bundle=state.matcher.bundle.path.name, profiles=len(state.matcher.catalogue))


@router.post("/admin/reload", response_model=ReloadPublic, summary="Load models/current after an "
             "external build; a corrupt bundle is refused and the old one keeps serving (token)")
def admin_reload(state: StateDep, _: WriterDep) -> ReloadPublic:
    try:
        state.reload()
    except BundleError as exc:  # an operator's request: say exactly why, keep the old bundle
        raise APIError(409, f"bundle refused, still serving the previous one: {exc}") from None
    return ReloadPublic(bundle=state.matcher.bundle.path.name, profiles=len(state.matcher.catalogue))
