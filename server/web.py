"""What every page route shares: the runtime, rendering, who is asking, and role checks."""

import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server import TEMPLATES_DIR, assets, i18n
from server.accounts.models import AGE_BAND_LABELS, ROLE_LABELS, AgeBand, Role
from server.accounts.passwords import Passwords
from server.accounts.sessions import Viewer
from server.campaigns.models import (
    CAMPAIGN_ROLE_LABELS,
    FEED_LABELS,
    FEED_SUMMARIES,
    REACTIONS,
    STATUS_LABELS,
)
from server.campaigns.service import FEED_PAGE
from server.campaigns.text import linkify
from server.db import Database
from server.errors import NotAllowed
from server.live import events
from server.live.broadcast import LocalBroadcast
from server.live.hub import Hub
from server.security import CSRF_FIELD, expected_csrf_token
from server.settings import Settings
from server.writer import Writer

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]


def make_templates(settings: Settings) -> Environment:
    # Autoescape everything, whatever the file is called: user text is always plain text.
    # Templates are read once per process (no file check on every page).
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                      auto_reload=False, extensions=["jinja2.ext.i18n"])
    # Every word goes through the catalogue of the language the request speaks.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals.update(
        scripts=assets.script_tags(settings.htmx_source),
        csrf_field=CSRF_FIELD,
        role_labels={str(k): v for k, v in ROLE_LABELS.items()},
        age_band_labels={str(k): v for k, v in AGE_BAND_LABELS.items()},
        age_bands=list(AgeBand),
        roles=list(Role),
        status_labels={str(k): v for k, v in STATUS_LABELS.items()},
        campaign_role_labels={str(k): v for k, v in CAMPAIGN_ROLE_LABELS.items()},
        feed_labels={str(k): v for k, v in FEED_LABELS.items()},
        feed_summaries={str(k): v for k, v in FEED_SUMMARIES.items()},
        # Each reaction's emoji and the words a screen reader says (translated where shown).
        reaction_labels={str(k): v for k, v in REACTIONS.items()},
        page_size=FEED_PAGE,
        locales=i18n.LOCALES,
        current_locale=i18n.current,
    )
    env.filters["when"] = i18n.when
    env.globals["when_iso"] = i18n.when_iso
    # A fresh id for each comment form a page draws: a double tap sends the same one twice.
    env.globals["new_op_id"] = lambda: secrets.token_urlsafe(12)
    env.filters["linkify"] = linkify
    return env


@dataclass
class Runtime:
    settings: Settings
    db: Database
    passwords: Passwords
    templates: Environment
    hub: Hub
    broadcast: LocalBroadcast
    writer: Writer  # every write of a request goes through it (server.writer)


def runtime(request: HTTPConnection) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found


def viewer(request: Request) -> Viewer | None:
    found: Viewer | None = request.scope.get("state", {}).get("viewer")
    return found


def signed_in(request: Request) -> Viewer:
    found = viewer(request)
    assert found is not None, "route is not behind login_required"
    return found


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    page = runtime(request).templates.get_template(template).render(
        request=request,
        viewer=viewer(request),
        csrf_token=expected_csrf_token(request.scope),
        **context,
    )
    return HTMLResponse(page, status_code=status)


def is_htmx(request: Request) -> bool:
    """Sent by htmx from a page (which then wants a part of a page back), not a plain form."""
    return request.headers.get("hx-request") == "true"


def safe_next(target: str) -> str:
    """Only a path on this site: never a redirect to somewhere else."""
    on_site = (target.startswith("/") and not target.startswith("//") and "\\" not in target
               and all(ch.isprintable() and not ch.isspace() for ch in target))
    return target if on_site else "/"


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {key: value for key, value in data.items() if isinstance(value, str)}


async def write(request: Request, action: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a service action in one write transaction, off the event loop; once it has
    committed, every open page of the campaign may hear of it."""
    found = runtime(request)

    def run(session: Session) -> tuple[T, events.Outbox]:
        result = action(session, **kwargs)
        return result, events.take_outbox(session)

    def announce(done: tuple[T, events.Outbox]) -> None:
        if done[1]:
            found.broadcast.publish(done[1])

    # Writes arriving together are committed together (server.writer).
    return (await found.writer.run(run, then=announce))[0]


async def passwords_ahead(request: Request, **work: Any) -> Passwords:
    """The app's passwords with the slow argon2 work of the coming write already done, in a
    thread of its own (`Passwords.ahead`): the writer is never held up by it."""
    return await run_in_threadpool(runtime(request).passwords.ahead, **work)


async def read(request: HTTPConnection, query: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a query in one read transaction, off the event loop (for a page or a websocket)."""
    db = runtime(request).db

    def run() -> T:
        with db.read() as session:
            return query(session, **kwargs)

    return await run_in_threadpool(run)


def login_required(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if viewer(request) is None:
            return redirect(f"/login?next={request.url.path}")
        return await endpoint(request)

    return wrapper


def staff_only(endpoint: Endpoint) -> Endpoint:
    """Youth workers and organisation admins."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if not signed_in(request).is_staff:
            raise NotAllowed(i18n._("This page is for youth workers and organisation admins."))
        return await endpoint(request)

    return login_required(wrapper)


def path_int(request: Request, name: str) -> int:
    value: int = request.path_params[name]
    return value


