"""Error pages (HTML for people, JSON for the API) and the health check."""

import logging

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from server.api.base import error
from server.errors import InvalidInput, ServiceError, Throttled
from server.i18n import N_, _
from server.web import render, runtime

log = logging.getLogger(__name__)

TITLES = {
    400: (N_("Something was wrong with that request"), N_("Go back and try again.")),
    401: (N_("Please log in"), N_("You need to log in to see this.")),
    403: (N_("You can't do that"), N_("Your role does not allow this.")),
    404: (N_("We could not find that page"),
          N_("It may have moved, or it is not in your organisation.")),
    405: (N_("That did not work"), N_("This page cannot be used that way.")),
    413: (N_("That was too big"), N_("Send something smaller.")),
    422: (N_("Check what you typed"), N_("Something in the form needs fixing.")),
    429: (N_("Too many tries"), N_("Wait a little and try again.")),
    500: (N_("Something went wrong on our side"),
          N_("Nothing you did caused this. Try again soon.")),
    503: (N_("Please try again"), N_("We could not reach our database just now, so nothing "
                                     "was saved. Try again in a moment: what you typed is "
                                     "still in the page you came from.")),
}
API_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 422: "invalid_input",
             429: "too_many_attempts", 500: "server_error", 503: "try_again"}
RETRY_AFTER_SECONDS = 5


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, message: str = "") -> Response:
    title, default = TITLES.get(status, TITLES[400])
    if _is_api(request):
        return error(status, API_CODES.get(status, "error"), message or default)
    # A message made from a marked constant is translated here (one already translated
    # is not a catalogue entry, and stays as it is).
    return render(request, "errors/error.html", status=status, title=_(title),
                  message=_(message) if message else _(default))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_page(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if _is_api(request):
        fields = exc.errors if isinstance(exc, InvalidInput) else None
        response: Response = error(exc.status, exc.code, exc.message, fields=fields)
    else:
        response = error_page(request, exc.status, exc.message)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


async def database_away(request: Request, exc: Exception) -> Response:
    """The database did not answer (restarting, failing over, or busy): the transaction was
    rolled back whole, so nothing is half-written and the same request can simply be sent
    again."""
    log.warning("the database is not answering: %s", exc)
    response = error_page(request, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError | InterfaceError):  # raised before routing
        return await database_away(request, exc)
    return error_page(request, 500)


async def csrf_forbidden(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    if scope.get("state", {}).get("csrf_error") == "too_large":
        response = error_page(request, 413)
    else:
        response = error_page(request, 403, _("This form is out of date or came from "
                                              "another site. Go back, reload the page and "
                                              "try again."))
    await response(scope, receive, send)


async def healthz(request: Request) -> Response:
    try:
        await run_in_threadpool(runtime(request).db.ping)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "not answering",
                             "broadcast": runtime(request).broadcast.status},
                            status_code=503)
    # A worker whose broadcast is reconnecting still serves its own pages, and they catch up
    # when it is back: it says so, but stays in service.
    return JSONResponse({"status": "ok", "database": "ok",
                         "broadcast": runtime(request).broadcast.status})
