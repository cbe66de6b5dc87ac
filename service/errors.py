"""One place that maps errors to HTTP: every 4xx and 5xx is ``{"error": {code, message, details}}``.

Web pages get the same status with an HTML page instead. Internal details of unexpected errors
are logged, never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher import (
    BundleError,
    ClusterBridgeError,
    ConfigError,
    InvalidInputError,
    UnknownProfileError,
)
from matcher.store import VersionConflictError

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    422: "invalid_input", 429: "too_many_requests", 500: "internal_error",
    503: "unavailable",
}


class APIError(Exception):
    """An error raised by a route with a status, a message and optional details."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}
        self.headers = headers


def classify(exc: ClusterBridgeError) -> tuple[int, dict[str, Any]]:
    """HTTP status and details of a domain error."""
    if isinstance(exc, UnknownProfileError):
        return 404, {"id": exc.profile_id, "closest": exc.closest}
    if isinstance(exc, VersionConflictError):
        return 409, {"current_version": exc.current}
    if isinstance(exc, InvalidInputError):
        return 422, {"field": exc.field}
    if isinstance(exc, (BundleError, ConfigError)):
        return 503, {}
    return 400, {}


#: Renders a page: (request, template name, context, status) -> response.
PageRenderer = Callable[[Request, str, dict[str, Any], int], Response]


def render(request: Request, status: int, message: str, details: dict[str, Any],
           html: PageRenderer | None = None, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON for the API and health routes, as an HTML page elsewhere."""
    if html is None or request.url.path.startswith("/api/") or request.url.path in (
        "/healthz", "/readyz", "/openapi.json"
    ):
        body = {"error": {"code": STATUS_CODES.get(status, "error"), "message": message,
                          "details": details}}
        return JSONResponse(body, status_code=status, headers=headers)
    response = html(request, "error.html",
                    {"status": status, "message": message, "details": details}, status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def install(app: FastAPI, html: PageRenderer) -> None:
    @app.exception_handler(ClusterBridgeError)
    async def domain_error(request: Request, exc: ClusterBridgeError) -> Response:
        status, details = classify(exc)
        message = str(exc) if status < 500 else "the matching bundle is not available"
        if status >= 500:
            logger.error("service unavailable: %s", exc)
        return render(request, status, message, details, html)

    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> Response:
        return render(request, exc.status, exc.message, exc.details, html, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(loc) or "request"
        return render(request, 422, f"{field}: {first.get('msg', 'invalid')}",
                      {"field": field, "errors": [
                          {"field": ".".join(str(p) for p in e.get("loc", ())),
                           "message": str(e.get("msg", ""))} for e in errors[:20]]},
                      html)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else STATUS_CODES.get(exc.status_code, "")
        return render(request, exc.status_code, message, {}, html,
                      dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return render(request, 500, "internal error", {}, html)
