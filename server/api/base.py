"""What every JSON API route shares: bearer-token auth, JSON errors, and its OpenAPI entry."""

import functools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from server.accounts import sessions
from server.accounts.sessions import Viewer
from server.api import validate
from server.errors import InvalidInput, ServiceError
from server.web import read, runtime

Endpoint = Callable[[Request], Awaitable[Response]]
PREFIX = "/api/v1"


def error(status: int, code: str, message: str, *, fields: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status, headers=headers)


class BadRequest(ServiceError):
    """A body that is not JSON at all."""

    status = 400
    code = "bad_request"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 400 when it is not JSON, 422 when it is not an object."""
    limit = runtime(request).settings.max_form_bytes
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise TooLarge(f"Send at most {limit:,} bytes.")
    if not raw.strip():
        raise BadRequest("Send a JSON object in the request body.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput({"body": "Send a JSON object, like {\"title\": \"…\"}."})
    return data


async def checked_body(request: Request, schema: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON object, checked against the schema the OpenAPI document shows."""
    body = await json_body(request)
    validate.check(schema, body)
    return body


def unauthenticated(message: str) -> JSONResponse:
    return error(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


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
        db = runtime(request).db
        if db.reads_inline:
            with db.glance() as connection:
                found = sessions.api_token_viewer(connection, token=token.strip())
        else:
            found = await read(request, sessions.load_api_token, token=token.strip())
        if found is None:
            return unauthenticated("That API token is not valid, or its account is suspended.")
        request.state.api_viewer = found
        return await endpoint(request)

    return wrapper


CONVERTER = re.compile(r"\{(\w+):\w+\}")


@dataclass(frozen=True)
class Operation:
    """One API route and its OpenAPI description.

    `path` is the route's path, with Starlette converters (`{campaign_id:int}`); the OpenAPI
    document shows it without them and declares each path parameter.
    """

    path: str
    method: str
    endpoint: Endpoint | None  # None for a websocket: see `socket`
    summary: str
    response: dict[str, Any]
    authenticated: bool = True
    request_body: dict[str, Any] | None = None
    errors: tuple[int, ...] = field(default=(401,))
    status: int = 200
    description: str = ""
    query: tuple[dict[str, Any], ...] = ()
    # Other media types the success response may have (a file download), with their schemas.
    media: tuple[tuple[str, dict[str, Any]], ...] = ()
    # A websocket: the OpenAPI document shows its upgrade as a GET answered with 101.
    socket: Callable[[WebSocket], Awaitable[None]] | None = None

    @property
    def template(self) -> str:
        """The path as OpenAPI writes it: `/campaigns/{campaign_id}`."""
        return CONVERTER.sub(r"{\1}", self.path)

    def route(self) -> BaseRoute:
        if self.socket is not None:
            return WebSocketRoute(self.path, self.socket)
        assert self.endpoint is not None
        endpoint = bearer(self.endpoint) if self.authenticated else self.endpoint
        return Route(self.path, endpoint, methods=[self.method])
