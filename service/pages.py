"""Server-rendered web pages: home, a cluster's page with its suggestions (and the forms that
mark them), the ad-hoc form, coverage, the partnership network and the outcomes funnel.

Routes translate form and query parameters to :mod:`matcher` calls and render templates; the
only computation here is presentation (the bar widths of the chart by world region, the
coordinates of the network drawing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from matcher import Filters, MatchResult, parse_query_profile
from matcher.catalogue import HOME_COUNTRY
from matcher.feedback import ANCHOR, DISMISSED, MIN_COMPARABLE_MEETINGS, REASONS, STAGES, STATUSES
from matcher.filters import select_profiles
from matcher.geography import Geography
from matcher.languages import country_name
from matcher.partnership_network import PartnershipNetwork

from .deps import (
    FiltersDep,
    MatcherDep,
    StateDep,
    authenticate,
    authorise_feedback,
    marks_and_filters,
)
from .errors import APIError
from .i18n import LANGUAGES, Words, pick_language

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

CHART_WIDTH = 120
#: The network drawing's size in SVG units (it scales to the page width).
NETWORK_WIDTH, NETWORK_HEIGHT, NETWORK_MARGIN = 960, 640, 24
#: How many of the cluster's "beyond your field" suggestions its page shows.
CROSS_FIELD_SHOWN = 5
#: The cookie that remembers a cluster token after "sign in with token" (HttpOnly, SameSite).
TOKEN_COOKIE = "cb_token"
TOKEN_COOKIE_AGE = 30 * 24 * 3600


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang = pick_language(request)
    other = next(code for code in LANGUAGES if code != lang)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", other))
    state = getattr(request.app.state, "service", None)
    words = Words(lang, state.reference.taxonomy if state is not None else None)
    response = TEMPLATES.TemplateResponse(request, name, {
        "lang": lang,
        "other_lang": other,
        "other_lang_query": urlencode(query),
        **words.helpers(),
        **context,
    }, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def countries_by_name(request: Request, geography: Geography) -> list[Any]:
    """Countries sorted by their name in the page's language."""
    lang = pick_language(request)
    return sorted(geography.countries.values(), key=lambda c: country_name(c.iso2, lang, c.name))


def chart_by_region(result: MatchResult) -> list[tuple[str, int, int]]:
    counts = result.by_world_region()
    top = max((c for _, c in counts), default=1)
    return [(region, count, round(CHART_WIDTH * count / top)) for region, count in counts]


def results_context(state: Any, result: MatchResult) -> dict[str, Any]:
    catalogue = state.matcher.catalogue
    return {
        "result": result,
        "chart": chart_by_region(result),
        "sources": {m.id: (catalogue.by_id[m.id].sources or ("",))[0] for m in result.matches},
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: StateDep, q: str | None = None) -> Response:
    catalogue = state.matcher.catalogue
    found = select_profiles(catalogue, Filters(), query=q[:200]) if q else []
    return page(request, "home.html", {
        "q": q,
        "found": found[:50],
        "german": select_profiles(catalogue, Filters(), side="german"),
        "countries": countries_by_name(request, catalogue.reference.geography),
    })


def signed_in(request: Request, state: Any, cluster: str) -> bool:
    """Whether the remembered token may write ``cluster``'s feedback (a revoked one may not)."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return False
    try:
        return authenticate(state, token).may_write(cluster)
    except APIError:
        return False


@router.get("/clusters/{profile_id}", response_class=HTMLResponse)
def cluster_page(request: Request, profile_id: str, state: StateDep, matcher: MatcherDep,
                 filters: FiltersDep, top: int = 10, diversity: bool = True,
                 include_dismissed: bool = False) -> Response:
    catalogue = matcher.catalogue
    profile = catalogue.get(profile_id)
    marks, shown = marks_and_filters(state, profile_id, filters, include_dismissed)
    result = matcher.match(profile_id, top=max(1, min(top, 50)), filters=shown,
                           diversity=diversity)
    cross = matcher.match(profile_id, top=CROSS_FIELD_SHOWN, filters=shown, diversity=diversity,
                          scope="cross_field")
    geo = catalogue.reference.geography
    return page(request, "cluster.html", {
        "feedback_form": profile.country == HOME_COUNTRY,
        "marks": marks,
        "dismissed": sum(1 for m in marks.values() if m.status == DISMISSED),
        "include_dismissed": include_dismissed,
        "signed_in": signed_in(request, state, profile_id),
        "statuses": STATUSES,
        "reasons": REASONS,
        "profile": profile,
        "world_region": geo.world_region(profile.country),
        "partners": [catalogue.by_id[p] for p in sorted(catalogue.partners_of(profile_id))
                     if p in catalogue.by_id],
        "networks": catalogue.relationships.networks_of(profile_id),
        "filters": filters,
        "world_regions": geo.world_regions,
        "countries": countries_by_name(request, geo),
        "terms": catalogue.reference.taxonomy.terms,
        "cross": cross,
        **results_context(state, result),
    })


def _back(profile_id: str, lang: str, anchor: str = "") -> str:
    """The cluster page to return to (``profile_id`` is a known id by then)."""
    query = f"?lang={lang}" if lang in LANGUAGES else ""
    return f"/clusters/{profile_id}{query}" + (f"#m-{anchor}" if anchor else "")


@router.post("/clusters/{profile_id}/feedback", response_class=HTMLResponse)
def feedback_form(
    request: Request,
    profile_id: str,
    state: StateDep,
    candidate: Annotated[str, Form(max_length=120)],
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """The form on each suggestion: the token from the form, else the remembered one."""
    state.matcher.catalogue.get(profile_id)
    principal = authorise_feedback(request, state, profile_id,
                                   token.strip() or request.cookies.get(TOKEN_COOKIE) or None)
    state.record_feedback(profile_id, candidate, status, reason or None, note or None,
                          principal.actor)
    return RedirectResponse(_back(profile_id, lang, candidate), status_code=303)


@router.post("/clusters/{profile_id}/signin", response_class=HTMLResponse)
def sign_in(request: Request, profile_id: str, state: StateDep,
            token: Annotated[str, Form(max_length=200)],
            lang: Annotated[str, Form(max_length=5)] = "") -> Response:
    """Remember a token that may write this cluster's feedback in an HttpOnly cookie."""
    state.matcher.catalogue.get(profile_id)
    given = token.strip()
    principal = authenticate(state, given or None)
    if not principal.may_write(profile_id):
        raise APIError(403, f"this token is for cluster {principal.cluster!r}")
    response = RedirectResponse(_back(profile_id, lang), status_code=303)
    response.set_cookie(TOKEN_COOKIE, given, max_age=TOKEN_COOKIE_AGE, httponly=True,
                        samesite="strict", path="/")
    return response


@router.post("/clusters/{profile_id}/signout", response_class=HTMLResponse)
def sign_out(profile_id: str, state: StateDep,
             lang: Annotated[str, Form(max_length=5)] = "") -> Response:
    state.matcher.catalogue.get(profile_id)
    response = RedirectResponse(_back(profile_id, lang), status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(request: Request, state: StateDep) -> Response:
    funnel = state.outcomes()
    top = max(funnel.overall["suggested"], 1)
    return page(request, "outcomes.html", {
        "funnel": funnel,
        "stages": STAGES,
        # A stage with any pair gets a visible bar, however small beside "suggested".
        "bars": [(s, n, max(round(CHART_WIDTH * 2 * n / top), 2 if n else 0))
                 for s in STAGES for n in [funnel.overall[s]]],
        "anchor": ANCHOR,
        "minimum": MIN_COMPARABLE_MEETINGS,
    })


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/match", response_class=HTMLResponse)
async def adhoc_page(
    request: Request,
    state: StateDep,
    name: Annotated[str, Form(max_length=300)],
    country: Annotated[str, Form(max_length=2)],
    description: Annotated[str, Form(max_length=4000)],
    fields: Annotated[str, Form(max_length=1000)] = "",
    offers: Annotated[str, Form(max_length=4000)] = "",
    seeks: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    record = {
        "name": name, "country": country, "description": description,
        "fields": [f.strip() for f in fields.split(",") if f.strip()],
        "offers": _lines(offers), "seeks": _lines(seeks),
    }
    matcher = state.matcher

    def work() -> MatchResult:  # on the bounded ad-hoc queue, like POST /api/v1/match
        profile, mappings = parse_query_profile(record, matcher.catalogue.reference)
        result = matcher.match(profile, top=10)
        return MatchResult(result.query, result.matches, mappings, result.candidates)

    result = await state.adhoc.run(request, work)
    return page(request, "adhoc.html", results_context(state, result))


def shade(cell: Any) -> str:
    """Cell colour: blue by strong matches, with a darker edge where partnerships exist."""
    if not cell.strong_matches and not cell.partnerships:
        return "#ffffff"
    alpha = min(0.15 + 0.08 * cell.strong_matches, 0.85)
    return f"rgba(11, 92, 173, {alpha:.2f})" if not cell.partnerships else f"rgba(46, 160, 67, {alpha:.2f})"


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, state: StateDep,
                  level: Literal["world_region", "continent"] = "world_region") -> Response:
    coverage = state.coverage(level)
    return page(request, "coverage.html", {
        "coverage": coverage,
        "cells": {(c.field, c.region): c for c in coverage.cells},
        "shade": shade,
    })


@router.get("/coverage/cell", response_class=HTMLResponse)
def coverage_cell_page(request: Request, state: StateDep,
                       field: Annotated[str, Query(max_length=80)],
                       region: Annotated[str, Query(max_length=60)],
                       level: Literal["world_region", "continent"] = "world_region") -> Response:
    details = state.coverage(level).cell_details(field, region)
    names = {p.id: p.name for p in state.matcher.catalogue.profiles}
    return page(request, "coverage_cell.html", {"details": details, "names": names,
                                                "details_level": level})


def shorten(name: str, limit: int = 28) -> str:
    """A label for the drawing: the name up to its first dash or bracket, at most ``limit``."""
    short = name.split(" \u2013 ")[0].split(" - ")[0].split(" (")[0].strip()
    return short if len(short) <= limit else short[: limit - 1].rstrip() + "\u2026"


def network_drawing(view: PartnershipNetwork, labels: int = 6) -> dict[str, Any]:
    """SVG coordinates of a view: lines (shared networks first, bilateral ties on top), circles
    sized by degree, and the names of the ``labels`` strongest brokers."""
    pos = view.positions()
    span_x = NETWORK_WIDTH - 2 * NETWORK_MARGIN
    span_y = NETWORK_HEIGHT - 2 * NETWORK_MARGIN

    def xy(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return round(NETWORK_MARGIN + x * span_x, 1), round(NETWORK_MARGIN + y * span_y, 1)

    pairs: dict[tuple[str, str], str] = {}
    for a, b, data in view.graph.edges(data=True):
        key = (min(a, b), max(a, b))
        if pairs.get(key) != "bilateral":
            pairs[key] = data["relation"]
    lines = [(*xy(a), *xy(b), relation)
             for (a, b), relation in sorted(pairs.items(), key=lambda kv: kv[1] == "bilateral")]
    g = view.graph
    circles = [(node, *xy(node), round(3 + 1.2 * view.metrics[node].degree ** 0.5, 1),
                data["german"], data["name"], view.metrics[node].degree)
               for node, data in g.nodes(data=True)]
    named = [(shorten(g.nodes[n]["name"]), *xy(n)) for n in view.brokers[:labels]]
    return {"width": NETWORK_WIDTH, "height": NETWORK_HEIGHT, "lines": lines, "circles": circles,
            "labels": named}


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, state: StateDep,
                 field: Annotated[str | None, Query(max_length=80)] = None,
                 world_region: Annotated[str | None, Query(max_length=60)] = None,
                 edges: Literal["all", "bilateral", "co_membership"] = "all") -> Response:
    view = state.network((field,) if field else (), (world_region,) if world_region else (), edges)
    geo = state.matcher.catalogue.reference.geography
    query = urlencode([(k, v) for k, v in (("field", field), ("world_region", world_region),
                                           ("edges", edges)) if v])
    nodes = sorted(view.to_dict()["nodes"], key=lambda n: (-n["degree"], -n["betweenness"], n["id"]))
    return page(request, "network.html", {
        "view": view,
        "drawing": network_drawing(view),
        "nodes": nodes,
        "names": {n: d["name"] for n, d in view.graph.nodes(data=True)},
        "selected_field": field or "",
        "selected_region": world_region or "",
        "edges": edges,
        "terms": state.matcher.catalogue.reference.taxonomy.terms,
        "world_regions": geo.world_regions,
        "download_query": query,
    })
