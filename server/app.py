import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server import STATIC_DIR, assets, handlers, i18n
from server.accounts.middleware import SessionMiddleware
from server.accounts.passwords import Passwords
from server.accounts.routes import routes as account_routes
from server.api.routes import mount as api_mount
from server.campaigns.discussion_routes import routes as discussion_routes
from server.campaigns.poll_routes import routes as poll_routes
from server.campaigns.routes import routes as campaign_routes
from server.db import Database
from server.errors import ServiceError
from server.i18n import LanguageMiddleware
from server.ladder.decision_routes import routes as decision_routes
from server.ladder.evidence_routes import routes as evidence_routes
from server.ladder.export_routes import routes as export_routes
from server.ladder.routes import routes as ladder_routes
from server.language import routes as language_routes
from server.live.broadcast import make_broadcast
from server.live.hub import Hub
from server.live.render import EventLog, PageRenderer, Tallies
from server.live.schedule import close_due_polls
from server.live.socket import page_socket
from server.moderation.routes import routes as moderation_routes
from server.privacy.routes import routes as privacy_routes
from server.security import CSRFMiddleware, SecurityHeadersMiddleware
from server.settings import Settings, SettingsError
from server.web import Runtime, make_templates
from server.writer import Writer


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    if settings.htmx_source == "local" and (problem := assets.local_problem()):
        raise SettingsError(problem)
    db = Database(settings.database_url)
    templates = make_templates(settings)
    i18n.load_all()  # the first Welsh page or tally does not wait for its catalogue
    hub = Hub(render=PageRenderer(templates), tallies=Tallies(db, templates),
              history=EventLog(db))
    broadcast = make_broadcast(hub, settings.broadcast_url)
    writer = Writer(db)
    runtime = Runtime(settings, db, Passwords(settings), templates, hub, broadcast, writer)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await run_in_threadpool(db.migrate)
        await hub.start()
        await broadcast.start()
        stop = asyncio.Event()
        closer = asyncio.create_task(close_due_polls(db, broadcast, stop),
                                     name="close due polls")
        yield
        stop.set()
        await closer
        # Writes still waiting (their callers may have gone) are made, and announced, before
        # the broadcast stops and the database's connections close.
        await run_in_threadpool(writer.stop)
        await broadcast.stop()
        await hub.stop()
        db.dispose()

    script_sources = [s.src for s in assets.script_tags(settings.htmx_source)
                      if s.src.startswith("https://")]
    app = Starlette(
        routes=[
            # First: an app's requests (votes, streams) are the busiest, and every route before
            # a match is tried in turn.
            api_mount,
            *account_routes,
            *campaign_routes,
            *poll_routes,
            *discussion_routes,
            *moderation_routes,
            *ladder_routes,
            *decision_routes,
            *export_routes,
            *evidence_routes,
            *language_routes,
            *privacy_routes,
            WebSocketRoute("/campaigns/{campaign_id:int}/ws", page_socket),
            Route("/healthz", handlers.healthz),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware, settings=settings, script_sources=script_sources),
            Middleware(LanguageMiddleware),
            Middleware(SessionMiddleware, db=db, settings=settings),
            Middleware(CSRFMiddleware, max_body=settings.max_form_bytes,
                       forbidden=handlers.csrf_forbidden),
        ],
        exception_handlers={
            HTTPException: handlers.http_error,
            ServiceError: handlers.service_error,
            OperationalError: handlers.database_away,
            InterfaceError: handlers.database_away,
            Exception: handlers.server_error,
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
