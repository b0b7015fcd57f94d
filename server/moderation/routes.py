"""Every moderation and safeguarding page, gathered for the app."""

from starlette.routing import BaseRoute, WebSocketRoute

from server.live.desk import desk_socket
from server.moderation import audit_routes, concern_routes, console_routes, filter_routes

routes: list[BaseRoute] = [
    *console_routes.routes,
    *concern_routes.routes,
    *filter_routes.routes,
    *audit_routes.routes,
    WebSocketRoute("/moderation/ws", desk_socket),
]
