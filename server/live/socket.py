"""The websockets: one per open campaign page, and an event stream for the JSON API.

A page opens its socket, says the number of the last event it saw (`{"after": N}`), and is
sent what it missed, in order, then everything new. A page too far behind is told to fetch a
fresh snapshot instead. The socket needs a session (or, for the API, a bearer token), a page
of this site (the Origin header), and membership of the campaign; it takes only small messages.
"""

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from server import i18n
from server.accounts import sessions
from server.accounts.sessions import Viewer
from server.campaigns import service
from server.errors import NotFound, ServiceError
from server.live import events
from server.live.hub import Connection, Hub, json_text
from server.live.render import cursor
from server.web import read, runtime

HELLO_WAIT = 10.0  # seconds a page has to say where it was
CATCH_UP_LIMIT = 500  # events sent one by one on reconnect; more than this: a snapshot
MAX_MESSAGE = 1024  # characters a client may send in one message
SEND_TIMEOUT = 10.0  # a send that takes longer means the client cannot keep up
TOO_BIG = 1009


def same_site(websocket: WebSocket) -> bool:
    """Browsers always send Origin on a websocket; another site's page is refused."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: the session cookie or token still has to be right
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


async def deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuse the upgrade with an HTTP status and a message, or a plain 403 if the server
    cannot send one."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(message, status_code=status))
    else:
        await websocket.close(code=1008, reason=message)


async def _access(websocket: WebSocket, viewer: Viewer, campaign_id: int) -> bool | None:
    """True/False: may follow (and runs the campaign or not); None: refused (already sent)."""
    try:
        return await read(websocket, service.live_access, actor=viewer, campaign_id=campaign_id)
    except NotFound as problem:
        await deny(websocket, 404, problem.message)
    except ServiceError as problem:
        await deny(websocket, 403, problem.message)
    return None


def _after(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


async def page_socket(websocket: WebSocket) -> None:
    campaign_id: int = websocket.path_params["campaign_id"]
    if not same_site(websocket):
        await deny(websocket, 403, i18n.gettext("This page cannot open that campaign."))
        return
    viewer: Viewer | None = websocket.scope.get("state", {}).get("viewer")
    if viewer is None:
        await deny(websocket, 403, i18n.gettext("Log in to follow this campaign live."))
        return
    runs = await _access(websocket, viewer, campaign_id)
    if runs is None:
        return
    await websocket.accept()
    connection = Connection(campaign_id=campaign_id, user_id=viewer.user_id,
                            session_id=viewer.session_id, runs=runs,
                            public_only=websocket.query_params.get("view") == "present",
                            locale=i18n.current())
    after = _after(websocket.query_params.get("after"))
    await _serve(websocket, connection, after)


async def api_socket(websocket: WebSocket) -> None:
    """GET /api/v1/campaigns/{id}/events?after=N with `Authorization: Bearer <token>`."""
    campaign_id: int = websocket.path_params["campaign_id"]
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    viewer = None
    if scheme.lower() == "bearer" and token.strip():
        viewer = await read(websocket, sessions.load_api_token, token=token.strip())
    if viewer is None:
        await deny(websocket, 401,
                   i18n.gettext("Send a valid API token: Authorization: Bearer <token>."))
        return
    runs = await _access(websocket, viewer, campaign_id)
    if runs is None:
        return
    after = _after(websocket.query_params.get("after"))
    if after is None:  # from now on
        after = await read(websocket, events.latest_id, campaign_id=campaign_id)
    await websocket.accept()
    connection = Connection(campaign_id=campaign_id, user_id=viewer.user_id, runs=runs,
                            wants_json=True)
    await _serve(websocket, connection, after)


async def _hello(websocket: WebSocket) -> int:
    """The page's first message: {"after": N}."""
    text = await asyncio.wait_for(websocket.receive_text(), HELLO_WAIT)
    if len(text) > MAX_MESSAGE:
        raise _TooBig
    try:
        found = json.loads(text).get("after")
    except (ValueError, AttributeError):
        found = None
    return found if isinstance(found, int) and found >= 0 else 0


class _TooBig(Exception):
    pass


async def _serve(websocket: WebSocket, connection: Connection, after: int | None) -> None:
    hub = runtime(websocket).hub
    # In the room before reading what was missed: nothing can fall between the two.
    hub.join(connection)
    try:
        if after is None:
            after = await _hello(websocket)
        seen = await _catch_up(websocket, hub, connection, after)
        connection.seen = max(connection.seen, seen)
        await run(websocket, connection, seen)
    except _TooBig:
        connection.close(TOO_BIG, connection.say(i18n.N_("That message is too big.")))
    except (WebSocketDisconnect, TimeoutError, RuntimeError):
        pass
    finally:
        hub.leave(connection)
    await finish(websocket, connection)


async def run(websocket: WebSocket, connection: Connection, seen: int) -> None:
    """Send the connection's messages and listen to the client, until either stops."""
    sender = asyncio.create_task(_send(websocket, connection, seen))
    listener = asyncio.create_task(_listen(websocket))
    done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    for task in done:
        if not task.cancelled() and isinstance(task.exception(), _TooBig):
            connection.close(TOO_BIG, connection.say(i18n.N_("That message is too big.")))


async def finish(websocket: WebSocket, connection: Connection) -> None:
    """Close the socket with the reason the connection was closed for, if it was."""
    if connection.closing is not None:
        with contextlib.suppress(Exception):
            await websocket.close(*connection.closing)


async def _catch_up(websocket: WebSocket, hub: Hub, connection: Connection, after: int) -> int:
    """Send what the page missed since `after`; return the number of the last event sent."""
    missed = await read(websocket, events.missed, campaign_id=connection.campaign_id,
                        after_id=after, limit=CATCH_UP_LIMIT)
    if missed.too_many:
        # Too far behind to replay: the page fetches itself afresh, from this number on.
        await websocket.send_text(
            json.dumps({"id": missed.latest, "kind": "snapshot", "data": {}})
            if connection.wants_json else cursor(missed.latest, snapshot=True))
        seen = missed.latest
    else:
        seen = after
        for event in missed.events:
            text = json_text(event) if connection.wants_json else hub.render(event)
            if text is not None:
                await websocket.send_text(text)
            seen = event.id
    if missed.ballots or missed.too_many:
        hub.refresh_tallies(connection)
    return seen


async def _send(websocket: WebSocket, connection: Connection, seen: int) -> None:
    while True:
        item = await connection.queue.get()
        if item is None or connection.closing is not None:
            return
        event_id, text = item
        if event_id and event_id <= seen:
            continue  # already sent while catching up
        try:
            # A deadline, not a task per message: a full room sends thousands at once.
            async with asyncio.timeout(SEND_TIMEOUT):
                await websocket.send_text(text)
        except TimeoutError:
            connection.close(1013, connection.say(
                i18n.N_("You fell behind: reconnect to catch up.")))
            return
        if event_id:
            seen = connection.seen = event_id


async def _listen(websocket: WebSocket) -> None:
    """Pages say nothing after hello; anything too big closes the socket."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if len(message.get("text") or message.get("bytes") or "") > MAX_MESSAGE:
            raise _TooBig
