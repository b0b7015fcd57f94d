"""Headers on every response, and the CSRF check on every unsafe request.

CSRF: a logged-in person's token lives in their server-side session; before
login (the login and join forms) it lives in a cookie of its own. Forms send
it as the `csrf_token` field, htmx as the `X-CSRF-Token` header. The JSON API
takes no cookies, only bearer tokens, so it needs no CSRF token.
"""

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "sv_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(script_sources: Iterable[str]) -> str:
    scripts = " ".join(["'self'", *script_sources])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ])


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, script_sources: Iterable[str]) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(script_sources),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "geolocation=(), camera=(), microphone=(), interest-cohort=()",
        }
        if settings.https:
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    # Pages hold personal data: never kept by shared computers or proxies.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def expected_csrf_token(scope: Scope) -> str:
    viewer = scope.get("state", {}).get("viewer")
    if viewer is not None:
        return str(viewer.csrf_token)
    return str(scope.get("state", {}).get("anonymous_csrf", ""))


class CSRFMiddleware:
    """Refuses (403) an unsafe request to a page without the right CSRF token.

    The body is read here to find the form field, then handed on unchanged.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, forbidden: ASGIApp) -> None:
        self.app = app
        self.max_body = max_body
        self.forbidden = forbidden

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in SAFE_METHODS
                or scope["path"].startswith("/api/")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not _same_origin(request):
            await self.forbidden(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                scope.setdefault("state", {})["csrf_error"] = "too_large"
                await self.forbidden(scope, receive, send)
                return
        sent = request.headers.get(CSRF_HEADER) or _form_token(request, body)
        expected = expected_csrf_token(scope)
        if not expected or not sent or not hmac.compare_digest(sent, expected):
            await self.forbidden(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _form_token(request: Request, body: bytes) -> str:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(CSRF_FIELD, [""])
        return values[0]
    if content_type.startswith("multipart/form-data"):
        # Forms that upload files carry the token in the header or query string.
        return request.query_params.get(CSRF_FIELD, "")
    return ""


def _same_origin(request: Request) -> bool:
    """Browsers send Origin on unsafe requests; one from another site is refused outright."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")
