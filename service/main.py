"""The FastAPI application: created by :func:`create_app`, its state loaded in the lifespan."""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp
from swagger_ui_bundle import swagger_ui_path
from threadpoolctl import threadpool_limits

from . import admin, api, errors, feeds, pages
from .access import ReadTokenMiddleware
from .deps import RateLimiter, require_feedback_writer, require_writer
from .edge import CSP, EdgeMiddleware
from .limits import BodyLimitMiddleware
from .schemas import Health
from .serving import thin_repeated_logs
from .settings import Settings, get_settings
from .state import ServiceState

logger = logging.getLogger(__name__)


def docs_policy(html: bytes) -> str:
    """The page's policy with the Swagger UI page's inline scripts allowed by their hashes (and
    its inline styles, which the UI sets)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in re.findall(rb"<script>(.*?)</script>", html, flags=re.DOTALL))
    policy = CSP.replace("style-src 'self'; style-src-attr 'unsafe-inline'",
                         "style-src 'self' 'unsafe-inline'")
    if hashes:
        policy = policy.replace("default-src 'self';", f"default-src 'self'; script-src 'self' {hashes};")
    return policy


class ClusterBridgeApp(FastAPI):
    """FastAPI with :class:`~service.edge.EdgeMiddleware` outside everything, even outside the
    handler of unexpected errors (which Starlette puts outermost), so that a 500 carries the
    security headers too."""

    def build_middleware_stack(self) -> ASGIApp:
        return EdgeMiddleware(super().build_middleware_stack())


#: zlib level of compressed answers: a cluster page (240 KB while it carried the map's outlines)
#: took 16.6 ms at starlette's default of 9 and 3.5 ms at 4, for 3.6% more bytes.
GZIP_LEVEL = 4


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; ``settings`` default to the environment (``CLUSTERBRIDGE_*``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or get_settings()
        thin_repeated_logs()  # in every worker, and under any server that embeds the app
        threadpool_limits(limits=resolved.blas_threads, user_api="blas")
        state = await run_in_threadpool(ServiceState, resolved)
        app.state.service = state
        app.state.write_limiter = RateLimiter(state.store, resolved.writes_per_minute,
                                              window_s=resolved.write_window_s)
        # Half a million objects live from here to the end (the models' and libraries' code,
        # the catalogue): left to the collector, every full collection walks them all and stops
        # the worker for 0.3-0.4 s. Frozen, a collection sees only what requests allocate; a
        # new matcher after a write adds a few hundred objects.
        gc.collect()
        gc.freeze()
        logger.info("ClusterBridge ready: %d profiles", len(state.matcher.catalogue))
        try:
            yield
        finally:
            state.close()
            app.state.service = None
            gc.unfreeze()  # what this app held may be collected again (tests start many apps)

    app = ClusterBridgeApp(
        title="ClusterBridge",
        version="1.0",
        summary="Complementary international partners for innovation clusters",
        lifespan=lifespan,
        docs_url=None,  # served below from the packaged Swagger UI, never from a CDN
        redoc_url=None,
        # A slash redirect's Location was built from the Host header (GET /docs/ with Host:
        # evil.example went to http://evil.example/docs): no such redirects; /docs/ is a 404.
        redirect_slashes=False,
    )
    resolved_for_cors = settings or get_settings()
    if resolved_for_cors.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=resolved_for_cors.cors_origins,
                           allow_methods=["GET", "POST", "PUT"],
                           allow_headers=["Authorization", "Content-Type", "If-Match"])

    if resolved_for_cors.read_token_required:
        app.add_middleware(ReadTokenMiddleware, page=pages.page)
    app.add_middleware(BodyLimitMiddleware, max_bytes=resolved_for_cors.max_body_bytes)
    # Pages run to 100-230 KB of HTML: compress answers a browser accepts compressed, at a
    # level that costs a fifth of the default's time (BENCHMARKS.md, issue 29, fifth session).
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=GZIP_LEVEL)

    errors.install(app, pages.page)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = HTMLResponse(DOCS_PAGE)
        # Our own page around the packaged Swagger UI: no inline script; the UI sets inline styles.
        page.headers["Content-Security-Policy"] = docs_policy(DOCS_PAGE.encode())
        return page
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.include_router(admin.router)

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        # On the event loop: it must answer even when every worker thread is busy.
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["health"],
             responses={503: {"description": "not ready"}})
    def readyz(request: Request) -> Health:
        state: ServiceState | None = getattr(request.app.state, "service", None)
        checks = {"bundle": state is not None and state.matcher is not None,
                  "database": state is not None and state.store.integrity_ok()}
        if not all(checks.values()):
            raise errors.APIError(503, "not ready", {"checks": checks})
        return Health(status="ready", checks=checks)

    def openapi() -> dict[str, Any]:
        """The schema with the bearer scheme declared on every route that needs a token to write
        (those that depend on a writer check), so that the docs page offers "Authorize"."""
        if app.openapi_schema is None:
            writes = {(route.path_format, method.lower()) for route in api.router.routes
                      if isinstance(route, APIRoute)
                      and any(call in WRITE_CHECKS for call in _calls(route.dependant))
                      for method in route.methods or ()}
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                BEARER: {"type": "http", "scheme": "bearer",
                         "description": "the admin token or a cluster's token"}}
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    if (path, method) in writes:
                        operation["security"] = [{BEARER: []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _calls(dependant: Dependant) -> list[Any]:
    """Every dependency function of a route, nested ones included."""
    return [c for d in dependant.dependencies for c in (d.call, *_calls(d))]


#: The dependencies that check a token for writing.
WRITE_CHECKS = (require_writer, require_feedback_writer)
#: The name of the bearer scheme in the OpenAPI schema.
BEARER = "bearerToken"

#: The API docs: the packaged Swagger UI (never a CDN) in a page of ours: a language, a way back,
#: and colours that keep text readable (WCAG AA) where Swagger UI's own are too light.
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClusterBridge API</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="stylesheet" href="/static/docs.css">
</head>
<body>
<header class="docs-top"><a href="/">&larr; Back to ClusterBridge</a></header>
<main id="swagger-ui"></main>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""
