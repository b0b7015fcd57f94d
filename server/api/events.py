"""A campaign's live events as a websocket, for integrations and big-screen displays."""

from typing import Any

from server.api.base import Operation
from server.live.socket import api_socket

EVENT_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "data"],
    "properties": {
        "id": {"type": ["integer", "null"],
               "description": "The event's number; null for a poll's tally, which is not an "
                              "event but the count at that moment."},
        "kind": {"type": "string",
                 "enum": ["comment.created", "comment.edited", "comment.deleted",
                          "reaction.changed", "poll.opened", "poll.closed", "poll.revealed",
                          "poll.tally", "snapshot"]},
        "data": {"type": "object"},
    },
}

OPERATIONS = [
    Operation(
        "/campaigns/{campaign_id:int}/events", "GET", None,
        "A campaign's live events, as a websocket", EVENT_MESSAGE,
        status=101, errors=(401, 403, 404), socket=api_socket,
        description=(
            "Open with a websocket upgrade and `Authorization: Bearer <token>`; the token's "
            "owner must be a member of the campaign or a youth worker or admin of its "
            "organisation. Each message is one JSON object {\"id\", \"kind\", \"data\"}: every "
            "event after `after`, in order, then each new one as it happens. Votes are not "
            "sent one by one: a `poll.tally` message (id null) carries a poll's count a few "
            "times a second while votes come in, with the results when the token's owner may "
            "see them. When more than 500 events were missed, one `snapshot` message says to "
            "read the campaign afresh; its id is where to continue from."),
        query=({"name": "after", "required": False, "schema": {"type": "integer"},
                "description": "The last event number you have; without it, only new events "
                               "are sent."},),
    ),
]
