"""Dependencies of the routes: the service state, the parsed filters, and the token checks."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from typing import Annotated

from fastapi import Depends, Query, Request

from matcher import Filters, Matcher

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
from .settings import Settings
from .state import ServiceState


def get_state(request: Request) -> ServiceState:
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        raise APIError(503, "the service is starting; try again shortly")
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_matcher(state: StateDep) -> Matcher:
    return state.matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]


def match_filters(
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
) -> Filters:
    # In Query, max_length caps the number of values; each value is capped by its type.
    return Filters(
        countries=tuple(v for v in country if v),
        world_regions=tuple(v for v in world_region if v),
        continents=tuple(v for v in continent if v),
        fields=tuple(v for v in field if v),
        kinds=tuple(v for v in kind if v),
        exclude_partners=exclude_partners,
        exclude_co_members=exclude_co_members,
        include_home=include_home,
    )


FiltersDep = Annotated[Filters, Depends(match_filters)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_token(settings: Settings, request: Request) -> str:
    """The caller's token if it is the configured one; 401 without, 403 when wrong."""
    expected = settings.api_token.get_secret_value() if settings.api_token else None
    given = _bearer(request)
    if given is None:
        raise APIError(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise APIError(403, "the token is not valid for this operation")
    return given


class RateLimiter:
    """At most ``limit`` events per key in any 60-second window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > 60.0:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


def require_writer(request: Request, state: StateDep) -> str:
    token = check_token(state.settings, request)
    limiter: RateLimiter = request.app.state.write_limiter
    if not limiter.allow(token):
        raise APIError(429, "too many writes; wait a minute", headers={"Retry-After": "60"})
    return token


def require_reader(request: Request, state: StateDep) -> None:
    if state.settings.read_token_required:
        check_token(state.settings, request)


WriterDep = Annotated[str, Depends(require_writer)]
