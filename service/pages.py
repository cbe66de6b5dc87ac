"""Server-rendered web pages: home, a cluster's page with its suggestions (and the forms that
mark them), the ad-hoc form, coverage, the partnership network and the outcomes funnel.

Routes translate form and query parameters to :mod:`matcher` calls and render templates; the
only computation here is presentation (the bar widths of the chart by world region, the
coordinates of the network drawing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from matcher import Filters, MatchResult
from matcher.analysis.coverage import gap_band
from matcher.analysis.network import PartnershipNetwork
from matcher.catalogue import HOME_COUNTRY
from matcher.catalogue.chambers import Chambers
from matcher.catalogue.geography import Geography
from matcher.catalogue.languages import INTERFACE_LANGUAGES as LANGUAGES
from matcher.catalogue.languages import country_name, language_name
from matcher.catalogue.profiles import MAX_PHRASE, MAX_TEXT, parse_profile
from matcher.catalogue.search import search_for
from matcher.config import MAX_REPORT_TOP, MAX_TOP
from matcher.engine.filters import regions_as_places, select_profiles
from matcher.errors import InvalidInputError
from matcher.outcomes import tokens as cluster_tokens
from matcher.outcomes.feedback import ANCHOR, DISMISSED, MIN_COMPARABLE_MEETINGS, REASONS, STAGES, STATUSES
from matcher.reports import FORMATS, parse_formats
from matcher.store import utc_now

from . import worldmap
from .deps import (
    TOKEN_COOKIE,
    FiltersDep,
    StateDep,
    authenticate,
    authorise_write,
    marks_and_filters,
    presented_token,
    remember_write,
)
from .errors import APIError
from .i18n import Words, pick_language
from .querylinks import MAX_PACKED, pack, unpack
from .report_jobs import ReportRecord, download_name

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

CHART_WIDTH = 120
#: The network drawing's size in SVG units (it scales to the page width).
NETWORK_WIDTH, NETWORK_HEIGHT, NETWORK_MARGIN = 960, 640, 24
#: How many of the cluster's "beyond your field" suggestions its page shows.
CROSS_FIELD_SHOWN = 5
#: The longest input of each field of the ad-hoc form; longer input is refused with its length.
FORM_LIMITS = {"name": MAX_PHRASE, "region": MAX_PHRASE, "description": MAX_TEXT,
               "fields": 1000, "offers": MAX_TEXT, "seeks": MAX_TEXT, "members": 8}
#: Profile fields -> the form field a problem is shown beside.
FORM_FIELD = {"size": "members", "id": "name", "kind": "name"}
TOKEN_COOKIE_AGE = 30 * 24 * 3600


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang = pick_language(request)
    other = next(code for code in LANGUAGES if code != lang)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", other))
    state = getattr(request.app.state, "service", None)
    words = Words(lang, state.reference.taxonomy if state is not None else None)
    chambers = state.reference.chambers if state is not None else Chambers()
    response = TEMPLATES.TemplateResponse(request, name, {
        "lang": lang,
        "introduction_for": chambers.introduction_for,
        "other_lang": other,
        "languages": LANGUAGES,
        "language_name": language_name,
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


def results_context(state: Any, result: MatchResult, top: int) -> dict[str, Any]:
    """What the list of suggestions shows: the matches with each partner's website, contact and
    sources, the chart and map of where they are, and the link to show more."""
    catalogue = state.matcher.catalogue
    counts: dict[str, int] = {}
    for m in result.matches:
        counts[m.country] = counts.get(m.country, 0) + 1
    return {
        "result": result,
        "chart": chart_by_region(result),
        "map_counts": counts,
        "partners_of": {m.id: catalogue.by_id[m.id] for m in result.matches},
        "top": top,
        "more": min(top + 10, MAX_TOP) if len(result.matches) >= top and top < MAX_TOP else None,
    }


#: Query parameters of the filter form, each shown as a removable chip when set.
CHIP_PARAMS = ("continent", "world_region", "country", "field", "known", "include_home",
               "seen_at_work")


def filter_context(request: Request, geography: Geography, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The filter form's groups of places, the active filters as chips (each with the link that
    removes it) and the link that clears them all; ``keep`` names parameters every link keeps
    (the packed query of the ad-hoc page). Links return to the results (``#suggested``)."""
    items = request.query_params.multi_items()
    chips = []
    for i, (key, value) in enumerate(items):
        if key in CHIP_PARAMS and value:
            rest = [(k, v) for j, (k, v) in enumerate(items) if j != i and k != "top"]
            chips.append({"kind": key, "value": value, "href": f"?{urlencode(rest)}#suggested"})
    cleared = [(k, v) for k, v in items if k in ("lang", *keep)]
    return {"region_groups": geography.region_groups(), "chips": chips,
            "clear_href": f"?{urlencode(cleared)}#suggested",
            "chosen_continents": request.query_params.getlist("continent")}


def world_map(words: Words, counts: dict[str, int], label: str) -> str:
    """The world map with the countries of ``counts`` shaded by how many suggestions they have."""
    most = max(counts.values(), default=1)
    shade = {code: (f"level-{min(3, 1 + (2 * n) // most)}",
                    f"{words.country(code)}: {n}") for code, n in counts.items()}
    return worldmap.load().svg(shade, label)


@router.get(worldmap.ROUTE, include_in_schema=False)
def world_outlines(version: str) -> Response:
    """The map's country outlines, which every page's map refers to (:mod:`service.worldmap`);
    their name changes with them, so a browser keeps them for a year."""
    outlines = worldmap.load()
    if version != outlines.version:
        raise APIError(404, f"no map outlines {version!r}; current: {outlines.version}")
    return Response(outlines.outlines, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: StateDep,
         q: Annotated[str | None, Query(max_length=200)] = None,
         edit: Annotated[str | None, Query(max_length=MAX_PACKED)] = None) -> Response:
    """The start page; ``edit`` fills the form with a query from a results link."""
    return home_page(request, state, q=q, form=form_values(unpack(edit, "edit")) if edit else None)


def home_page(request: Request, state: Any, *, q: str | None = None,
              form: dict[str, Any] | None = None,
              problems: dict[str, dict[str, Any]] | None = None, status: int = 200) -> Response:
    catalogue = state.matcher.catalogue
    found = select_profiles(catalogue, Filters(), query=q) if q else []
    close = search_for(catalogue).suggest(q, catalogue.profiles) if q and not found else []
    return page(request, "home.html", {
        "q": q,
        "close": close,
        "found": found[:50],
        "found_count": len(found),
        "german": select_profiles(catalogue, Filters(), side="german"),
        "countries": countries_by_name(request, catalogue.reference.geography),
        "form": form or {"country": "DE"},
        "problems": problems or {},
        "limits": FORM_LIMITS,
    }, status)


def may_read(state: Any, request: Request) -> bool:
    """Whether the request presents a valid token (where reads need one)."""
    try:
        authenticate(state, presented_token(request))
    except APIError:
        return False
    return True


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
def cluster_page(request: Request, profile_id: str, state: StateDep, filters: FiltersDep,
                 top: Annotated[int, Query(ge=1, le=MAX_TOP)] = 10,
                 diversity: bool = True, known: bool = False,
                 include_dismissed: bool = False,
                 came_from: Annotated[str | None, Query(alias="from", max_length=120)] = None,
                 saved: Annotated[str | None, Query(max_length=120)] = None,
                 ) -> Response:
    """A cluster's page: its suggestions first, then its profile, partners and networks;
    ``from`` is the cluster whose suggestions led here (the page links back to them); ``saved``
    names the candidate whose mark was just saved (its card confirms it)."""
    return cluster_view(request, state, profile_id, filters, top=top, diversity=diversity,
                        known=known, include_dismissed=include_dismissed, came_from=came_from,
                        saved=saved)


def cluster_view(request: Request, state: Any, profile_id: str, filters: Filters, *,
                 top: int = 10, diversity: bool = True, known: bool = False,
                 include_dismissed: bool = False, came_from: str | None = None,
                 saved: str | None = None, problem: dict[str, Any] | None = None,
                 status: int = 200) -> Response:
    """The cluster page; ``problem`` is a refused mark, shown at its card with the values the
    manager gave (the page answers with ``status``)."""
    catalogue = state.matcher.catalogue
    profile = catalogue.get(profile_id)
    filters = regions_as_places(filters, catalogue.reference.geography)
    mine = signed_in(request, state, profile_id)
    # New suggestions first: known partners and co-members have their own section unless asked.
    # A cluster's dismissals shape only its own signed-in view; every visitor sees the full list.
    marks, shown = marks_and_filters(state, profile_id, filters, include_dismissed or not mine,
                                     known=known)
    result, cross = state.answer(
        ("cluster page", profile_id, top, shown, diversity),
        lambda m: (m.match(profile_id, top=top, filters=shown, diversity=diversity),
                   m.match(profile_id, top=CROSS_FIELD_SHOWN, filters=shown, diversity=diversity,
                           scope="cross_field")))
    geo = catalogue.reference.geography
    words = Words(pick_language(request), catalogue.reference.taxonomy)
    context = results_context(state, result, top)
    back = catalogue.by_id.get(came_from) if came_from and came_from != profile_id else None
    listed = {m.id for m in result.matches} | {m.id for m in cross.matches}
    return page(request, "cluster.html", {
        "feedback_form": profile.country == HOME_COUNTRY,
        "followable": profile.country == HOME_COUNTRY,
        "came_from": back,
        "from_id": profile_id,
        **filter_context(request, geo, keep=("from",)),
        "marks": marks if mine else {},  # marks and notes only for the cluster signed in
        "signed_in": mine,
        "dismissed": sum(1 for m in marks.values() if m.status == DISMISSED) if mine else 0,
        "include_dismissed": include_dismissed,
        "saved": saved if mine and saved in marks else None,
        "problem": problem,
        "problem_unlisted": problem is not None and problem["candidate"] not in listed,
        "statuses": STATUSES,
        "reasons": REASONS,
        "profile": profile,
        "world_region": geo.world_region(profile.country),
        "relations": relations(catalogue, profile_id),
        "networks": catalogue.relationships.networks_of(profile_id),
        "filters": filters,
        "known": known,
        "world_regions": geo.world_regions,
        "countries": countries_by_name(request, geo),
        "terms": sorted(catalogue.reference.taxonomy.terms, key=words.field),
        "cross": cross,
        "candidates": len(catalogue) - 1,
        "map_svg": world_map(words, context["map_counts"], words.t("where")),
        "page_query": urlencode([(k, v) for k, v in request.query_params.multi_items()
                                 if k not in ("top", "lang", "saved")]),
        **context,
    }, status)


@router.get("/clusters/{profile_id}/follow", response_class=HTMLResponse)
def follow_page(request: Request, profile_id: str, state: StateDep) -> Response:
    """What following a cluster means and the feed's address; only German clusters get alerts,
    so a profile abroad has no such page."""
    profile = state.matcher.catalogue.get(profile_id)
    if profile.country != HOME_COUNTRY:
        raise APIError(404, f"only German clusters can be followed; {profile_id!r} is abroad")
    lang = pick_language(request)
    feed = request.url_for("cluster_feed", profile_id=profile_id).include_query_params(lang=lang)
    return page(request, "follow.html", {"profile": profile, "feed_url": str(feed)})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """The icon browsers ask for on every page."""
    return FileResponse(Path(__file__).parent / "static" / "favicon.svg",
                        media_type="image/svg+xml")


def relations(catalogue: Any, profile_id: str) -> list[dict[str, Any]]:
    """The profile's known partners and network co-members, with what links them."""
    rel = catalogue.relationships
    out = []
    for other in sorted(rel.related_to(profile_id), key=lambda o: catalogue.by_id[o].name):
        if other not in catalogue.by_id:
            continue
        out.append({"profile": catalogue.by_id[other], "tie": rel.tie(profile_id, other),
                    "networks": rel.shared_networks(profile_id, other)})
    return out


def _back(profile_id: str, lang: str, anchor: str = "", saved: bool = False) -> str:
    """The cluster page to return to (``profile_id`` is a known id by then), at the card of
    ``anchor``; ``saved``: the card confirms that its mark was saved."""
    query = [("lang", lang)] if lang in LANGUAGES else []
    if saved and anchor:
        query.append(("saved", anchor))
    return (f"/clusters/{profile_id}" + (f"?{urlencode(query)}" if query else "")
            + (f"#m-{anchor}" if anchor else ""))


#: Why a mark was refused, by the status of the refusal: the code of the sentence shown.
MARK_REFUSED = {401: "token_missing", 403: "token_wrong", 429: "busy"}


def mark_problem(exc: APIError | InvalidInputError) -> tuple[str, int]:
    """The code of the sentence that explains a refused mark, and the page's status."""
    if isinstance(exc, APIError):
        return MARK_REFUSED.get(exc.status, "invalid"), exc.status
    message = str(exc)
    if exc.field == "reason" and "required" in message:
        return "reason_required", 422
    if exc.field == "reason":
        return "reason_only_dismissed", 422
    if exc.field == "note" and "required" in message:
        return "note_required", 422
    return "invalid", 422


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
    top: Annotated[int, Form(ge=1, le=MAX_TOP)] = 10,
) -> Response:
    """The form on each suggestion: the token from the form, else the remembered one. A refused
    mark comes back on the cluster page, at its card, with the values given; a saved one returns
    to its card, which confirms it."""
    state.matcher.catalogue.get(profile_id)
    try:
        principal = authorise_write(request, state, token.strip()
                                    or request.cookies.get(TOKEN_COOKIE) or None,
                                    cluster=profile_id)
        state.record_feedback(profile_id, candidate, status, reason or None, note or None,
                              principal.actor)
    except (APIError, InvalidInputError) as exc:
        if state.settings.read_token_required and not may_read(state, request):
            raise  # the page shows data: without a reader's token only the error page
        code, refused = mark_problem(exc)
        problem = {"candidate": candidate, "code": code, "message": str(exc),
                   "status": status, "reason": reason, "note": note}
        return cluster_view(request, state, profile_id, Filters(), top=top, problem=problem,
                            status=refused)
    response = RedirectResponse(_back(profile_id, lang, candidate, saved=True), status_code=303)
    remember_write(request, response, state)
    return response


@router.get("/clusters/{profile_id}/feedback", response_class=HTMLResponse)
def feedback_address(request: Request, profile_id: str) -> Response:
    """A refused mark's page has the form's address; its relative links (filters, more, the
    other language) lead here and go on to the cluster page."""
    query = request.url.query
    return RedirectResponse(f"/clusters/{quote(profile_id)}" + (f"?{query}" if query else ""),
                            status_code=303)


@router.get("/clusters/{profile_id}/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, profile_id: str, state: StateDep) -> Response:
    """Where a sign-in link from the programme staff leads: the token travels in the link's
    fragment (``#token=...``), which browsers never send, so no server or proxy logs it; a small
    script (static/signin.js) moves it into the form, which posts it once."""
    profile = state.matcher.catalogue.get(profile_id)
    if profile.country != HOME_COUNTRY:
        raise APIError(404, f"only German clusters have managers who sign in; {profile_id!r} "
                            f"is abroad")
    return page(request, "signin.html", {"profile": profile}, 200)


@router.post("/clusters/{profile_id}/signin", response_class=HTMLResponse)
def sign_in(request: Request, profile_id: str, state: StateDep,
            token: Annotated[str, Form(max_length=200)],
            lang: Annotated[str, Form(max_length=5)] = "",
            link: Annotated[bool, Form()] = False) -> Response:
    """Remember a token that may write this cluster's feedback in an HttpOnly cookie. From a
    sign-in link (``link``) the token is used once: exchanged for a fresh one that only the
    cookie holds (:func:`matcher.outcomes.tokens.exchange`)."""
    state.matcher.catalogue.get(profile_id)
    given = token.strip()
    if link:
        try:
            given, _ = cluster_tokens.exchange(state.store, given, profile_id, utc_now())
        except InvalidInputError:
            raise APIError(403, "this sign-in link is not valid: it was used or revoked; ask "
                                "the programme staff for a new one") from None
    principal = authenticate(state, given or None)
    if principal.cluster != profile_id:  # the admin token is never kept in a browser
        raise APIError(403, "sign in here with this cluster's own token" if principal.cluster
                       is None else f"this token is for cluster {principal.cluster!r}")
    response = RedirectResponse(_back(profile_id, lang), status_code=303)
    response.set_cookie(TOKEN_COOKIE, given, max_age=TOKEN_COOKIE_AGE, httponly=True,
                        samesite="strict", path="/", secure=request.url.scheme == "https")
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


def form_record(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The profile record of the ad-hoc form and the problems of each form field."""
    problems: dict[str, dict[str, Any]] = {}
    for name, limit in FORM_LIMITS.items():
        value = form.get(name, "")
        if len(value) > limit:
            problems[name] = {"code": "too_long", "n": len(value), "limit": limit}
    record: dict[str, Any] = {
        "name": form.get("name", ""), "country": form.get("country", ""),
        "description": form.get("description", ""), "region": form.get("region", ""),
        "fields": [f.strip() for f in form.get("fields", "").split(",") if f.strip()],
        "offers": _lines(form.get("offers", "")), "seeks": _lines(form.get("seeks", "")),
    }
    members = form.get("members", "").strip()
    if members:
        if members.isdigit() and int(members) <= 10**7:
            record["members"] = int(members)
        else:
            problems["members"] = {"code": "number"}
    return record, problems


def form_values(record: dict[str, Any]) -> dict[str, str]:
    """The ad-hoc form's fields filled from a record (to edit a query again)."""
    joined = {"fields": ", ", "offers": "\n", "seeks": "\n"}
    return {k: joined[k].join(v) if k in joined else str(v) for k, v in record.items()}


def profile_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record the matcher reads (size nested, empty values left out)."""
    out = {k: v for k, v in record.items() if k != "members" and v not in ("", [], None)}
    if record.get("members") is not None:
        out["size"] = {"members": record["members"]}
    return out


@router.post("/match", response_class=HTMLResponse)
async def adhoc_submit(request: Request, state: StateDep) -> Response:
    """The ad-hoc form: on a problem the form comes back with the input and the problem beside
    its field; else a redirect to the shareable results page."""
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    record, problems = form_record(form)
    reference = state.matcher.catalogue.reference
    _, found, _ = parse_profile(profile_record(record), reference.geography, reference.taxonomy,
                                strict=False)
    for name, message in found:
        base = name.split("[")[0].split(".")[0]
        code = "required" if "required" in message else "invalid"
        problems.setdefault(FORM_FIELD.get(base, base), {"code": code, "message": message})
    if problems:
        return home_page(request, state, form=form, problems=problems, status=422)
    lang = pick_language(request)
    return RedirectResponse(f"/match?{urlencode({'p': pack(record), 'lang': lang})}", status_code=303)


@router.get("/match", response_class=HTMLResponse)
async def adhoc_page(request: Request, state: StateDep, filters: FiltersDep,
                     p: Annotated[str, Query(max_length=MAX_PACKED)],
                     top: Annotated[int, Query(ge=1, le=MAX_TOP)] = 10) -> Response:
    record = unpack(p)
    matcher = state.matcher
    filters = regions_as_places(filters, matcher.catalogue.reference.geography)

    def work() -> MatchResult:  # on the bounded ad-hoc queue, like POST /api/v1/match
        return matcher.match_record(profile_record(record), top=top, filters=filters)

    result = await state.adhoc.run(request, work)
    catalogue = matcher.catalogue
    geo = catalogue.reference.geography
    words = Words(pick_language(request), catalogue.reference.taxonomy)
    context = results_context(state, result, top)
    wished = result.wished
    # Each place the query named, with the link that shows only the suggestions there.
    wish_links = [(words.region(v) if kind != "country" else words.country(v),
                   "?" + urlencode({"p": p, "lang": words.lang, kind: v}) + "#suggested")
                  for kind, values in (("continent", wished.continents),
                                       ("world_region", wished.world_regions),
                                       ("country", wished.countries)) for v in values]
    return page(request, "adhoc.html", {
        "record": record,
        "packed": p,
        "filters": filters,
        "world_regions": geo.world_regions,
        "countries": countries_by_name(request, geo),
        "terms": sorted(catalogue.reference.taxonomy.terms, key=words.field),
        "candidates": len(catalogue),
        "map_svg": world_map(words, context["map_counts"], words.t("where")),
        "page_query": urlencode([(k, v) for k, v in request.query_params.multi_items()
                                 if k not in ("top", "lang")]),
        "edit_query": urlencode({"edit": p, "lang": words.lang}),
        "wish_links": wish_links,
        # The link to share: absolute, with the filters and the number shown, in this language.
        "share_url": str(request.url.replace(fragment="")),
        **filter_context(request, geo, keep=("p",)),
        **context,
    })


def shade(cell: Any) -> str:
    """Cell colour: blue by strong matches, green where partnerships exist; never darker than
    dark text stays readable on (WCAG AA)."""
    if not cell.strong_matches and not cell.partnerships:
        return "#ffffff"
    alpha = min(0.12 + 0.05 * cell.strong_matches, 0.45)
    return f"rgba(11, 92, 173, {alpha:.2f})" if not cell.partnerships else f"rgba(46, 160, 67, {alpha:.2f})"


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, state: StateDep,
                  level: Literal["world_region", "continent"] = "world_region",
                  field: Annotated[str | None, Query(max_length=80)] = None) -> Response:
    coverage = state.coverage(level)
    cells = {(c.field, c.region): c for c in coverage.cells}
    gaps = coverage.top_gaps(10)
    if field is not None and field not in coverage.fields:
        raise APIError(422, f"field: {field!r} is not a field of the German clusters",
                       {"field": "field", "closest": coverage.fields[:3]})
    chosen = field or (gaps[0].field if gaps else (coverage.fields[0] if coverage.fields else ""))
    # Rows: the field with the largest gap first.
    rows = sorted(coverage.fields, key=lambda f: (-max(cells[(f, r)].gap for r in coverage.regions), f))
    words = Words(pick_language(request), state.reference.taxonomy)
    return page(request, "coverage.html", {
        "coverage": coverage,
        "cells": cells,
        "rows": rows,
        "gaps": gaps,
        "shade": shade,
        "chosen": chosen,
        "map_svg": coverage_map(words, state.matcher.catalogue.reference.geography, coverage,
                                cells, chosen) if chosen else "",
        "without_tie": len(state.network((), (), "all").without_international_tie),
    })


def coverage_map(words: Words, geography: Geography, coverage: Any, cells: dict[Any, Any],
                 field_name: str) -> str:
    """One field of the coverage matrix as a world map: every country takes its region's cell,
    coloured by the band of its gap (:func:`~matcher.analysis.coverage.gap_band`); grey where
    the region has neither strong matches nor partnerships."""
    shade_of: dict[str, tuple[str, str]] = {}
    level = coverage.level
    for code, country in geography.countries.items():
        region = country.continent if level == "continent" else country.world_region
        cell = cells.get((field_name, region))
        if cell is None or not (cell.strong_matches or cell.partnerships):
            continue
        css = f"gap-{gap_band(cell.gap)}"
        tip = (f"{words.region(region)}: {cell.strong_matches} {words.t('cov.strong')}, "
               f"{cell.partnerships} {words.t('cov.partnerships')}, {words.t('cov.gap')} "
               f"{words.num(cell.gap)}")
        shade_of[code] = (css, tip)
    return worldmap.load().svg(shade_of, f"{words.t('coverage')}: {words.field(field_name)}")


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
        "unpartnered": len(state.coverage("world_region").unpartnered),
        "without_tie": len(state.network((), (), "all").without_international_tie),
    })


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, state: StateDep) -> Response:
    return reports_view(request, state)


def reports_view(request: Request, state: Any, *, problem: str | None = None,
                 form: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Batch reports: start one (with the token), watch it, download earlier ones. Each entry
    says what it covers; a small script (static/reports.js) polls the running ones."""
    records = state.reports.records()
    catalogue = state.matcher.catalogue
    t = Words(pick_language(request), catalogue.reference.taxonomy).t
    return page(request, "reports.html", {
        "records": records,
        "running": any(r.status == "running" for r in records),
        "german": select_profiles(catalogue, Filters(), side="german"),
        "formats": FORMATS,
        "problem": problem,
        "form": form or {"formats": list(FORMATS), "top": "10", "lang": pick_language(request)},
        "created": {r.id: dt.datetime.fromtimestamp(r.created, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
                    for r in records},
        "covers": {r.id: report_covers(r, catalogue, t) for r in records},
        "downloads": {r.id: {f: download_name(r, f) for f in r.files} for r in records},
    }, status)


def report_covers(record: ReportRecord, catalogue: Any, t: Any) -> str:
    """What a report covers, in words: its clusters (named when up to three were chosen), the
    language, suggestions per cluster, formats and size; empty for reports from before these
    were recorded."""
    parts = []
    if record.clusters and len(record.clusters) <= 3:
        parts.append(", ".join(catalogue.by_id[c].name if c in catalogue else c
                               for c in record.clusters))
    elif record.cluster_count:
        parts.append(t("rep.n_clusters", a=str(record.cluster_count)))
    if record.lang:
        parts.append(language_name(record.lang))
    if record.top:
        parts.append(t("rep.top_k", a=str(record.top)))
    if record.formats:
        parts.append(", ".join(f.upper() for f in record.formats))
    if record.status == "done" and record.bytes:
        parts.append(f"{record.bytes / 1_000_000:.1f} MB")
    return " · ".join(parts)


@router.post("/reports", response_class=HTMLResponse)
async def reports_submit(request: Request, state: StateDep) -> Response:
    """Start a report from the page; the token is the same bearer token as the API's."""
    raw = await request.form()
    top, lang = str(raw.get("top") or "10"), str(raw.get("lang") or "en")
    chosen = [str(v) for v in raw.getlist("formats")]
    clusters = [str(v) for v in raw.getlist("clusters")]
    form = {"top": top, "lang": lang, "formats": chosen, "clusters": clusters}
    try:
        # The same check as every write route (with the shared write limit), off the event loop.
        await run_in_threadpool(authorise_write, request, state, str(raw.get("token") or "") or None)
    except APIError as exc:
        problem = "busy" if exc.status == 429 else "token"
        return reports_view(request, state, problem=problem, form=form,
                            status=429 if exc.status == 429 else 403)
    if not chosen or not top.isdigit() or not 1 <= int(top) <= MAX_REPORT_TOP:
        return reports_view(request, state, problem="options", form=form, status=422)
    try:
        formats = parse_formats(",".join(chosen))
        report_id = state.start_report(int(top), formats, tuple(clusters),
                                       lang if lang in LANGUAGES else LANGUAGES[0])
    except APIError as exc:  # the queue is full (429) or the options are refused
        return reports_view(request, state, problem="busy" if exc.status == 429 else "options",
                            form=form, status=exc.status)
    return RedirectResponse(f"/reports?lang={pick_language(request)}#report-{report_id}",
                            status_code=303)
