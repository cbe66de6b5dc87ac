"""Server-rendered web pages: home, a cluster's page with its suggestions, the ad-hoc form,
coverage and the partnership network.

Routes translate form and query parameters to :mod:`matcher` calls and render templates; the
only computation here is presentation (the bar widths of the chart by world region, the
coordinates of the network drawing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from matcher import Filters, MatchResult, parse_query_profile
from matcher.filters import select_profiles
from matcher.geography import Geography
from matcher.languages import country_name
from matcher.partnership_network import PartnershipNetwork

from .deps import FiltersDep, MatcherDep, StateDep
from .i18n import LANGUAGES, Words, pick_language

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

CHART_WIDTH = 120
#: The network drawing's size in SVG units (it scales to the page width).
NETWORK_WIDTH, NETWORK_HEIGHT, NETWORK_MARGIN = 960, 640, 24
#: How many of the cluster's "beyond your field" suggestions its page shows.
CROSS_FIELD_SHOWN = 5


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


@router.get("/clusters/{profile_id}", response_class=HTMLResponse)
def cluster_page(request: Request, profile_id: str, state: StateDep, matcher: MatcherDep,
                 filters: FiltersDep, top: int = 10, diversity: bool = True) -> Response:
    catalogue = matcher.catalogue
    profile = catalogue.get(profile_id)
    result = matcher.match(profile_id, top=max(1, min(top, 50)), filters=filters,
                           diversity=diversity)
    cross = matcher.match(profile_id, top=CROSS_FIELD_SHOWN, filters=filters, diversity=diversity,
                          scope="cross_field")
    geo = catalogue.reference.geography
    return page(request, "cluster.html", {
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
