"""The moderation console's websocket: `/moderation/ws`, for youth workers and admins.

A console does not replay events. It is told when its organisation's queue changed (a report,
a hold, a concern) and fetches the queue again. It is told once as soon as it connects, too,
so a console that was away catches up the same way.
"""

import asyncio
import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.accounts.sessions import Viewer
from server.live.hub import NUDGE, Connection
from server.live.socket import _listen, _send, _TooBig, deny, same_site
from server.web import runtime


async def desk_socket(websocket: WebSocket) -> None:
    if not same_site(websocket):
        await deny(websocket, 403, "This page cannot open the moderation console.")
        return
    viewer: Viewer | None = websocket.scope.get("state", {}).get("viewer")
    if viewer is None:
        await deny(websocket, 403, "Log in to follow the moderation console live.")
        return
    if not viewer.is_staff:
        await deny(websocket, 403, "Only youth workers and admins can see the moderation queue.")
        return
    await websocket.accept()
    hub = runtime(websocket).hub
    connection = Connection(campaign_id=0, user_id=viewer.user_id, session_id=viewer.session_id,
                            runs=True)
    hub.join_desk(viewer.org_id, connection)
    connection.offer(0, NUDGE)
    try:
        sender = asyncio.create_task(_send(websocket, connection, 0))
        listener = asyncio.create_task(_listen(websocket))
        done, pending = await asyncio.wait({sender, listener},
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for task in done:
            if not task.cancelled() and isinstance(task.exception(), _TooBig):
                connection.close(1009, "That message is too big.")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.leave_desk(viewer.org_id, connection)
    if connection.closing is not None:
        with contextlib.suppress(Exception):
            await websocket.close(*connection.closing)
