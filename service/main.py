"""The FastAPI application: created by :func:`create_app`, its state loaded in the lifespan."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp
from swagger_ui_bundle import swagger_ui_path
from threadpoolctl import threadpool_limits

from . import api, errors, feeds, pages
from .access import ReadTokenMiddleware
from .deps import RateLimiter
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
    return CSP.replace("style-src 'self'; style-src-attr 'unsafe-inline'",
                       "style-src 'self' 'unsafe-inline'").replace(
        "default-src 'self';", f"default-src 'self'; script-src 'self' {hashes};")


class ClusterBridgeApp(FastAPI):
    """FastAPI with :class:`~service.edge.EdgeMiddleware` outside everything, even outside the
    handler of unexpected errors (which Starlette puts outermost), so that a 500 carries the
    security headers too."""

    def build_middleware_stack(self) -> ASGIApp:
        return EdgeMiddleware(super().build_middleware_stack())


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
        logger.info("ClusterBridge ready: %d profiles", len(state.matcher.catalogue))
        try:
            yield
        finally:
            state.close()
            app.state.service = None

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
    # Pages carry an inline world map: compress answers a browser accepts compressed.
    app.add_middleware(GZipMiddleware, minimum_size=2048)

    errors.install(app, pages.page)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="ClusterBridge API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png")
        page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body))
        return page
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)

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

    return app
