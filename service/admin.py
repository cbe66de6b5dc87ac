"""The admin page: programme staff issue, list and revoke cluster tokens and copy a one-time
sign-in link for a manager.

The administrator signs in with the configured API token, kept in a cookie of its own (HttpOnly,
SameSite=strict, path ``/admin``, one hour), apart from a cluster's sign-in. Every change goes
through :func:`service.deps.authorise_write`; tokens are made and revoked by
:mod:`matcher.outcomes.tokens`, as by the CLI's ``clusterbridge token``. A new token is shown
once, inside the sign-in link's fragment (``/clusters/{id}/signin#token=...``), which browsers do
not send to servers, so that no access log holds it; using the link exchanges it for a fresh
token (:func:`matcher.outcomes.tokens.exchange`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matcher import Filters
from matcher.engine.filters import select_profiles
from matcher.errors import InvalidInputError
from matcher.outcomes import tokens as cluster_tokens
from matcher.store import utc_now

from .deps import StateDep, authenticate, authorise_write
from .errors import APIError
from .i18n import pick_language
from .pages import page

router = APIRouter(include_in_schema=False)

#: The cookie of the administrator's sign-in, sent only to the admin page.
ADMIN_COOKIE = "cb_admin"
ADMIN_COOKIE_AGE = 3600
ADMIN_PATH = "/admin"


def admin_signed_in(request: Request, state: Any) -> bool:
    """Whether the request carries the administrator token in the admin cookie."""
    given = request.cookies.get(ADMIN_COOKIE)
    if not given:
        return False
    try:
        return authenticate(state, given).cluster is None
    except APIError:
        return False


def admin_view(request: Request, state: Any, *, problem: str | None = None,
               created: dict[str, str] | None = None, revoked: str | None = None,
               status: int = 200) -> Response:
    """The sign-in form, or (signed in) the token list with the forms that change it."""
    signed = admin_signed_in(request, state)
    catalogue = state.matcher.catalogue
    records = state.store.tokens() if signed else []
    response = page(request, "admin.html", {
        "admin": signed,
        "records": records,
        "names": {p.id: p.name for p in catalogue.profiles},
        "german": select_profiles(catalogue, Filters(), side="german") if signed else [],
        "problem": problem,
        "created": created,
        "revoked": revoked if signed else None,
    }, status)
    response.headers["Cache-Control"] = "no-store"  # a new token's link is shown once
    return response


def _refused(request: Request, state: Any, exc: APIError | InvalidInputError) -> Response:
    if isinstance(exc, InvalidInputError):
        return admin_view(request, state, problem=str(exc), status=422)
    code = "busy" if exc.status == 429 else "token"
    return admin_view(request, state, problem=code, status=exc.status)


@router.get(ADMIN_PATH, response_class=HTMLResponse)
def admin_page(request: Request, state: StateDep) -> Response:
    revoked = request.query_params.get("revoked")
    return admin_view(request, state, revoked=revoked[:20] if revoked else None)


@router.post(f"{ADMIN_PATH}/signin", response_class=HTMLResponse)
def admin_sign_in(request: Request, state: StateDep,
                  token: Annotated[str, Form(max_length=200)]) -> Response:
    """Remember the administrator token for the admin page only; any other token is refused."""
    given = token.strip()
    try:
        principal = authenticate(state, given or None)
        if principal.cluster is not None:
            raise APIError(403, "this is a cluster's token, not the administrator's")
    except APIError as exc:
        return _refused(request, state, exc)
    response = RedirectResponse(f"{ADMIN_PATH}?lang={pick_language(request)}", status_code=303)
    response.set_cookie(ADMIN_COOKIE, given, max_age=ADMIN_COOKIE_AGE, httponly=True,
                        samesite="strict", path=ADMIN_PATH,
                        secure=request.url.scheme == "https")
    return response


@router.post(f"{ADMIN_PATH}/signout", response_class=HTMLResponse)
def admin_sign_out(request: Request) -> Response:
    response = RedirectResponse(f"{ADMIN_PATH}?lang={pick_language(request)}", status_code=303)
    response.delete_cookie(ADMIN_COOKIE, path=ADMIN_PATH, httponly=True, samesite="strict")
    return response


@router.post(f"{ADMIN_PATH}/tokens", response_class=HTMLResponse)
def admin_create(request: Request, state: StateDep,
                 cluster: Annotated[str, Form(max_length=120)]) -> Response:
    """Issue a token for a German cluster; the answer shows its sign-in link once."""
    try:
        authorise_write(request, state, request.cookies.get(ADMIN_COOKIE) or None)
        profile = state.matcher.catalogue.get(cluster)
        token, record = cluster_tokens.create(state.store, profile, utc_now())
    except (APIError, InvalidInputError) as exc:
        return _refused(request, state, exc)
    lang = pick_language(request)
    link = request.url_for("sign_in_page", profile_id=profile.id).include_query_params(lang=lang)
    created = {"cluster": profile.name, "id": record.id, "link": f"{link}#token={token}"}
    return admin_view(request, state, created=created, status=201)


@router.post(f"{ADMIN_PATH}/tokens/{{token_id}}/revoke", response_class=HTMLResponse)
def admin_revoke(request: Request, state: StateDep, token_id: str) -> Response:
    """Revoke a token; it holds from the next request on."""
    try:
        authorise_write(request, state, request.cookies.get(ADMIN_COOKIE) or None)
        cluster_tokens.revoke(state.store, token_id[:40], utc_now())
    except (APIError, InvalidInputError) as exc:
        return _refused(request, state, exc)
    return RedirectResponse(f"{ADMIN_PATH}?lang={pick_language(request)}&revoked={token_id}"
                            f"#tokens", status_code=303)
