"""The moderation console's websocket: `/moderation/ws`, for youth workers and admins.

A console does not replay events. It is told when its organisation's queue changed (a report,
a hold, a concern) and fetches the queue again. It is told once as soon as it connects, too,
so a console that was away catches up the same way.
"""

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.accounts.sessions import Viewer
from server.i18n import _
from server.live.hub import NUDGE, Connection
from server.live.socket import deny, finish, run, same_site
from server.web import runtime


async def desk_socket(websocket: WebSocket) -> None:
    if not same_site(websocket):
        await deny(websocket, 403, _("This page cannot open the moderation console."))
        return
    viewer: Viewer | None = websocket.scope.get("state", {}).get("viewer")
    if viewer is None:
        await deny(websocket, 403, _("Log in to follow the moderation console live."))
        return
    if not viewer.is_staff:
        await deny(websocket, 403,
                   _("Only youth workers and admins can see the moderation queue."))
        return
    await websocket.accept()
    hub = runtime(websocket).hub
    connection = Connection(campaign_id=0, user_id=viewer.user_id, session_id=viewer.session_id,
                            runs=True)
    hub.join_desk(viewer.org_id, connection)
    connection.offer(0, NUDGE)
    try:
        await run(websocket, connection, 0)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.leave_desk(viewer.org_id, connection)
    await finish(websocket, connection)
