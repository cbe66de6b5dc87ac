"""Who may read: with ``read_token_required`` every route that shows data needs a token.

Fail closed: a pure ASGI middleware in front of every route (the API, pages, feeds, reports,
``/openapi.json``, ``/docs``, and any route added later) lets a request through only with a
valid token (the admin token or a live cluster token), except the paths of
:func:`is_open`: ``/healthz``, ``/readyz``, static assets, the posts that carry a token of
their own (a cluster's sign-in, sign-out and feedback forms, the admin page's forms), the page
of a sign-in link and the admin page (which shows nothing without its own sign-in). A token is read from
``Authorization: Bearer``, else a ``token`` query parameter (for feed readers, which cannot send
headers), else the cookie of a cluster's sign-in.
"""

from __future__ import annotations

import re

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from .deps import authenticate, presented_token
from .errors import APIError, PageRenderer, render

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
OPEN_PREFIXES = ("/static/", "/docs-assets/", "/map/")
#: Posts that check a token themselves (a visitor must be able to sign in).
OPEN_POSTS = re.compile(r"/clusters/[^/]+/(signin|signout|feedback)|/admin/[a-z0-9/_-]+")
#: Pages that check a token themselves: a sign-in link's page, the admin page (its own cookie).
OPEN_GETS = re.compile(r"/clusters/[^/]+/signin|/admin")


def is_open(method: str, path: str) -> bool:
    """Whether ``method path`` is served without a token when reads need one."""
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return True
    if method in ("GET", "HEAD") and OPEN_GETS.fullmatch(path) is not None:
        return True
    return method == "POST" and OPEN_POSTS.fullmatch(path) is not None


class ReadTokenMiddleware:
    """Refuse (401 without a token, 403 with an invalid one) every request not :func:`is_open`."""

    def __init__(self, app: ASGIApp, page: PageRenderer) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = getattr(request.app.state, "service", None)
        if state is not None:  # while starting, every route answers 503 anyway
            try:
                await run_in_threadpool(authenticate, state, presented_token(request))
            except APIError as exc:
                response = render(request, exc.status, exc.message, exc.details, self.page,
                                  exc.headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
