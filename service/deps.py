"""Dependencies of the routes: the service state, the parsed filters, and the token checks."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from matcher import Catalogue, Filters, InvalidInputError, Matcher
from matcher.catalogue.profiles import FRESH_YEARS
from matcher.engine.filters import check_filters, cluster_page_filters
from matcher.outcomes import tokens as cluster_tokens
from matcher.outcomes.feedback import DISMISSED, Feedback
from matcher.store import ProfileStore

from .errors import APIError
from .schemas import (
    MAX_CONTINENTS,
    MAX_COUNTRIES,
    MAX_FIELDS,
    MAX_KINDS,
    MAX_WORLD_REGIONS,
    ContinentName,
    CountryCode,
    FieldTerm,
    KindName,
    WorldRegionName,
)
from .state import ServiceState

logger = logging.getLogger(__name__)


#: Read-your-writes: a write's answer carries the data version it made, as a header and a
#: cookie; a request that presents a newer version than its worker holds syncs first, so a
#: client sees its own write on any worker at once.
VERSION_HEADER = "X-Data-Version"
VERSION_COOKIE = "cb_seen"


def seen_version(request: Request) -> int:
    """The newest data version the client says it wrote (0 if none or unreadable)."""
    given = request.headers.get(VERSION_HEADER) or request.cookies.get(VERSION_COOKIE) or ""
    return int(given) if given.isdigit() and len(given) < 19 else 0


def remember_write(request: Request, response: Response, state: ServiceState) -> None:
    """Give the client the data version of its acknowledged write (see :data:`VERSION_HEADER`)."""
    version = str(state.data_version)
    response.headers[VERSION_HEADER] = version
    response.set_cookie(VERSION_COOKIE, version, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


async def get_state(request: Request) -> ServiceState:
    # async, like the other light dependencies: a request served from the answer cache never
    # leaves the event loop; the database is read off the loop, and only when a sync is due.
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        raise APIError(503, "the service is starting; try again shortly")
    behind = seen_version(request) > state.data_version  # the client wrote through another worker
    if behind or state.sync_due():  # else other workers' writes, at most every sync_interval_s
        try:
            await run_in_threadpool(state.sync, behind)
        except Exception:  # the database is away: answer from memory; /readyz says not ready
            logger.exception("could not read the data version; answering from memory")
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


async def get_matcher(state: StateDep) -> Matcher:
    return state.matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]


#: The query or body parameter of each filter (the domain names them by Filters' attributes).
FILTER_PARAMS = {"countries": "country", "world_regions": "world_region",
                 "continents": "continent", "fields": "field", "kinds": "kind"}


def named_as_parameter(exc: InvalidInputError) -> InvalidInputError:
    """The domain's error about a filter, naming the HTTP parameter instead."""
    return InvalidInputError(str(exc), field=FILTER_PARAMS.get(exc.field or "", exc.field))


def checked_filters(catalogue: Catalogue, filters: Filters) -> Filters:
    """``filters`` if every value is known; else the domain's 422, naming the parameter."""
    try:
        check_filters(catalogue, filters)
    except InvalidInputError as exc:
        raise named_as_parameter(exc) from None
    return filters


async def match_filters(
    matcher: MatcherDep,
    country: Annotated[list[CountryCode], Query(
        max_length=MAX_COUNTRIES, description="ISO 3166-1 alpha-2; repeat for several")] = [],  # noqa: B006
    world_region: Annotated[list[WorldRegionName], Query(
        max_length=MAX_WORLD_REGIONS, description="UN M49 sub-region")] = [],  # noqa: B006
    continent: Annotated[list[ContinentName], Query(max_length=MAX_CONTINENTS)] = [],  # noqa: B006
    field: Annotated[list[FieldTerm], Query(max_length=MAX_FIELDS,
                                            description="taxonomy term")] = [],  # noqa: B006
    kind: Annotated[list[KindName], Query(max_length=MAX_KINDS)] = [],  # noqa: B006
    exclude_partners: Annotated[bool, Query(description="leave out bilateral partners")] = False,
    exclude_co_members: Annotated[bool, Query(
        description="also leave out co-members of the query's networks")] = False,
    include_home: bool = False,
    seen_at_work: Annotated[bool, Query(description=(
        f"only candidates a source of the last {FRESH_YEARS} years showed at work (`confirmed`)"
    ))] = False,
) -> Filters:
    # In Query, max_length caps the number of values; each value is capped by its type.
    return checked_filters(matcher.catalogue, Filters(
        countries=tuple(v for v in country if v),
        world_regions=tuple(v for v in world_region if v),
        continents=tuple(v for v in continent if v),
        fields=tuple(v for v in field if v),
        kinds=tuple(v for v in kind if v),
        exclude_partners=exclude_partners,
        exclude_co_members=exclude_co_members,
        include_home=include_home,
        seen_at_work=seen_at_work,
    ))


FiltersDep = Annotated[Filters, Depends(match_filters)]


def marks_and_filters(state: ServiceState, profile_id: str, filters: Filters,
                      include_dismissed: bool, *, known: bool = True) -> tuple[dict[str, Feedback], Filters]:
    """The cluster's current marks by candidate, and its list's filters
    (:func:`~matcher.engine.filters.cluster_page_filters`): the candidates it dismissed left out
    unless ``include_dismissed``, known partners and co-members unless ``known``."""
    marks = {candidate: entry for (_, candidate), entry
             in state.store.feedback_current(profile_id).items()}
    dismissed = () if include_dismissed else [c for c, e in marks.items() if e.status == DISMISSED]
    return marks, cluster_page_filters(filters, dismissed=dismissed, known=known)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class RateLimiter:
    """At most ``limit`` events per key in each window of ``window_s`` seconds aligned to the
    clock (a clock minute by default), counted in the database so that every worker and host
    shares the count. Keys are stored as digests, never as given; ``clock`` is injectable so
    that tests need not wait for a window to pass."""

    def __init__(self, store: ProfileStore, limit: int, *, window_s: int = 60,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.limit = limit
        self.window_s = window_s
        self.clock = clock

    def allow(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.store.hit(digest, int(self.clock() // self.window_s)) <= self.limit


@dataclass(frozen=True)
class Principal:
    """Who presented a token: the administrator (``cluster`` None) or one cluster's manager.
    ``actor`` is what the store records as the writer: ``admin`` or the token's id."""

    cluster: str | None
    actor: str

    def may_write(self, cluster: str) -> bool:
        return self.cluster is None or self.cluster == cluster


def authenticate(state: ServiceState, given: str | None) -> Principal:
    """The principal of ``given`` (the admin token or a live cluster token, read from the
    database on every call); 401 without a token, 403 for any other."""
    if given is None:
        raise APIError(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    admin = state.settings.api_token.get_secret_value() if state.settings.api_token else None
    if admin is not None and hmac.compare_digest(given.encode(), admin.encode()):
        return Principal(None, "admin")
    record = cluster_tokens.authenticate(state.store, given)
    if record is None:
        raise APIError(403, "the token is not valid for this operation")
    return Principal(record.cluster, record.id)


def authorise_write(request: Request, state: ServiceState, given: str | None, *,
                    cluster: str | None = None) -> Principal:
    """The one check of every write, API route or form: the principal of ``given`` if it may
    write (the administrator; for ``cluster``'s feedback also that cluster's token), 401 without
    a token, 403 for any other, and 429 past the shared write rate."""
    principal = authenticate(state, given)
    if cluster is None and principal.cluster is not None:
        raise APIError(403, "the token is not valid for this operation")
    if cluster is not None and not principal.may_write(cluster):
        raise APIError(403, f"this token is for cluster {principal.cluster!r}; it cannot write "
                            f"feedback of another cluster", {"cluster": principal.cluster})
    limiter: RateLimiter = request.app.state.write_limiter
    if not limiter.allow(principal.actor):
        raise APIError(429, "too many writes; wait a minute", headers={"Retry-After": "60"})
    return principal


def require_writer(request: Request, state: StateDep) -> Principal:
    return authorise_write(request, state, _bearer(request))


def require_feedback_writer(profile_id: str, request: Request, state: StateDep) -> Principal:
    return authorise_write(request, state, _bearer(request), cluster=profile_id)


def bearer_token(request: Request) -> str | None:
    """The request's bearer token, if any."""
    return _bearer(request)


#: The cookie that remembers a cluster token after "sign in with token" (HttpOnly, SameSite).
TOKEN_COOKIE = "cb_token"


def presented_token(request: Request) -> str | None:
    """The token a reader presents: bearer header, ``token`` query parameter (feed readers
    cannot send headers), or the sign-in cookie."""
    return (_bearer(request) or request.query_params.get("token")
            or request.cookies.get(TOKEN_COOKIE) or None)


def may_read_marks(state: ServiceState, given: str | None, cluster: str) -> bool:
    """Whether ``given`` (the admin token or ``cluster``'s own) may read ``cluster``'s marks and
    notes; they are shown to nobody else."""
    if given is None:
        return False
    try:
        return authenticate(state, given).may_write(cluster)
    except APIError:
        return False


def require_marks_reader(profile_id: str, request: Request, state: StateDep) -> Principal:
    """The principal of the bearer token if it may read ``profile_id``'s marks (401, 403)."""
    principal = authenticate(state, _bearer(request))
    if not principal.may_write(profile_id):
        raise APIError(403, f"this token is for cluster {principal.cluster!r}; it cannot read "
                            f"feedback of another cluster", {"cluster": principal.cluster})
    return principal


def require_reader(request: Request, state: StateDep) -> None:
    # service.access checks every route first; this keeps the API closed on its own.
    if state.settings.read_token_required:
        authenticate(state, presented_token(request))


WriterDep = Annotated[Principal, Depends(require_writer)]
FeedbackWriterDep = Annotated[Principal, Depends(require_feedback_writer)]
MarksReaderDep = Annotated[Principal, Depends(require_marks_reader)]
