"""Finds who is behind each request (page or websocket) from the session cookie."""

from http.cookies import SimpleCookie

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts import sessions
from server.db import Database
from server.security import CSRF_COOKIE, new_csrf_token
from server.settings import Settings

SESSION_COOKIE = "sv_session"


def cookie_header(name: str, value: str, *, settings: Settings, max_age: int) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["max-age"] = max_age
    if settings.https:
        morsel["secure"] = True
    return morsel.OutputString()


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings) -> None:
        self.app = app
        self.db = db
        self.settings = settings

    def _load(self, token: str) -> sessions.Lookup:
        with self.db.read() as session:
            return sessions.load(session, self.settings, token=token)

    def _follow_up(self, lookup: sessions.Lookup) -> None:
        with self.db.write() as session:
            sessions.follow_up(session, lookup)

    async def _look_up(self, token: str) -> sessions.Viewer | None:
        if self.db.reads_inline:  # SQLite: on the spot (`Database.reads_inline`)
            with self.db.glance() as connection:
                lookup = sessions.look_up(connection, self.settings, token=token)
        else:
            lookup = await run_in_threadpool(self._load, token)
        if lookup.follow_up:  # now and then: the session's last use, or its end
            await run_in_threadpool(self._follow_up, lookup)
        return lookup.viewer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(
            ("/static/", "/api/", "/healthz")
        ):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        token = connection.cookies.get(SESSION_COOKIE, "")
        viewer = await self._look_up(token) if token else None
        state = scope.setdefault("state", {})
        state["viewer"] = viewer
        state["session_token"] = token if viewer else ""
        anonymous = connection.cookies.get(CSRF_COOKIE, "")
        headers: list[str] = []
        if viewer is None and len(anonymous) < 32:
            anonymous = new_csrf_token()
            headers.append(cookie_header(CSRF_COOKIE, anonymous, settings=self.settings,
                                         max_age=self.settings.session_max_seconds))
        if token and viewer is None:
            # The session has ended (expired, logged out elsewhere, suspended): forget it.
            headers.append(cookie_header(SESSION_COOKIE, "", settings=self.settings, max_age=0))
        state["anonymous_csrf"] = anonymous
        if not headers or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                already = " ".join(response_headers.getlist("set-cookie"))
                for header in headers:
                    # A response that sets the cookie itself (a fresh login) wins.
                    if header.split("=", 1)[0] + "=" not in already:
                        response_headers.append("set-cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_cookies)
