"""What every answer gets at the edge, whatever route or middleware made it: security headers,
and HEAD answered wherever GET is.

Headers: ``Content-Security-Policy`` (:data:`CSP`: only this origin's scripts, styles, images
and connections; no framing; inline ``style`` attributes allowed, as the score bars and the
coverage cells set their width and colour with them, but no inline scripts or ``<style>``
elements), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (links to
partners' websites do not carry the page's query) and ``X-Frame-Options: DENY`` for browsers
without ``frame-ancestors``. A route that sets its own policy (the Swagger UI page, whose one
inline script is allowed by its hash) keeps it.

HEAD: FastAPI routes answer only the methods they name; a HEAD is served as the GET and its body
dropped (``Content-Length`` stays that of the GET answer, as HTTP wants).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "style-src-attr 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class EdgeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def edge_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in HEADERS if name not in present)
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, edge_send)
