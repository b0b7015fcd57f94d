"""What every JSON API route shares: bearer-token auth, JSON errors, and its OpenAPI entry."""

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts import sessions
from server.accounts.sessions import Viewer
from server.web import read

Endpoint = Callable[[Request], Awaitable[Response]]
PREFIX = "/api/v1"


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers or None)


def unauthenticated(message: str) -> JSONResponse:
    return error(401, "unauthenticated", message, **{"WWW-Authenticate": "Bearer"})


def api_viewer(request: Request) -> Viewer:
    found: Viewer = request.state.api_viewer
    return found


def bearer(endpoint: Endpoint) -> Endpoint:
    """Authenticates with `Authorization: Bearer <token>` only: cookies are ignored here."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthenticated("Send an API token: Authorization: Bearer <token>.")
        found = await read(request, sessions.load_api_token, token=token.strip())
        if found is None:
            return unauthenticated("That API token is not valid, or its account is suspended.")
        request.state.api_viewer = found
        return await endpoint(request)

    return wrapper


@dataclass(frozen=True)
class Operation:
    """One API route and its OpenAPI description."""

    path: str
    method: str
    endpoint: Endpoint
    summary: str
    response: dict[str, Any]
    authenticated: bool = True
    request_body: dict[str, Any] | None = None
    errors: tuple[int, ...] = field(default=(401,))

    def route(self) -> Route:
        endpoint = bearer(self.endpoint) if self.authenticated else self.endpoint
        return Route(self.path, endpoint, methods=[self.method])
