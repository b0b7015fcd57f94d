"""A campaign's discussion over the JSON API: read it a page at a time, and post.

Thin, like the pages: check the body's shape against the documented schema, call the same
discussion service the pages call, and answer with comments in the one shape pages and live
events use (`discussion.comment_data`).
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.api.base import Operation, api_viewer, checked_body
from server.campaigns import discussion
from server.errors import InvalidInput
from server.web import path_int, read, write

TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}

COMMENT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "campaign_id", "parent_id", "author_id", "author_name", "text",
                 "created_at", "editable_until", "edited", "deleted", "state", "reactions"],
    "properties": {
        "id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "parent_id": {"type": ["integer", "null"],
                      "description": "The top-level comment this replies to; null for a "
                                     "top-level comment."},
        "author_id": {"type": ["integer", "null"],
                      "description": "null once the author's account has been erased, and "
                                     "for a held, hidden or removed comment (except to its "
                                     "author)."},
        "author_name": {"type": "string",
                        "description": "Empty for a deleted, held, hidden or removed comment "
                                       "(except to its author)."},
        "text": {"type": "string",
                 "description": "Plain text, line breaks kept; empty for a deleted, held, "
                                "hidden or removed comment (except to its author)."},
        "created_at": TIMESTAMP,
        "editable_until": {**TIMESTAMP,
                           "description": "Its author can change it until then."},
        "edited": {"type": "boolean"},
        "deleted": {"type": "boolean",
                    "description": "Deleted by its author: its place stays for its replies."},
        "state": {"type": "string", "enum": ["shown", "held", "hidden", "removed"],
                  "description": "shown to everyone; held until a youth worker looks; hidden "
                                 "by a youth worker; removed (its words deleted for good). "
                                 "Only the author sees the words of a comment that is not "
                                 "shown."},
        "reactions": {
            "type": "object",
            "description": "How many people reacted with each kind, 0 included.",
            "required": list(discussion.KINDS),
            "properties": {kind: {"type": "integer"} for kind in discussion.KINDS},
        },
    },
}

THREAD: dict[str, Any] = {
    **COMMENT,
    "required": [*COMMENT["required"], "replies"],
    "properties": {**COMMENT["properties"],
                   "replies": {"type": "array", "items": COMMENT,
                               "description": "Every reply, oldest first."}},
}

PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["comments", "older"],
    "properties": {
        "comments": {"type": "array", "items": THREAD,
                     "description": f"Up to {discussion.PAGE} top-level comments, oldest "
                                    "first, each with its replies."},
        "older": {"type": "boolean",
                  "description": "There are older comments: ask again with `before` set to "
                                 "the first comment's id."},
    },
}

POST_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string",
                 "description": f"Plain text, up to {discussion.TEXT_MAX:,} characters."},
        "parent_id": {"type": ["integer", "null"],
                      "description": "Reply to this comment. A reply to a reply goes in the "
                                     "same thread, under its top-level comment."},
        "client_op_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
                         "description": "Your id for this submission, new for each comment: "
                                        "sent again (a retry after a lost answer), it gets "
                                        "the same comment back and posts nothing twice."},
    },
}


def _cid(request: Request) -> int:
    return path_int(request, "campaign_id")


def _before(request: Request) -> int | None:
    value = request.query_params.get("before")
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidInput({"before": "before must be a whole number: a comment's id."})
    return int(value)


async def list_comments(request: Request) -> Response:
    found = await read(request, discussion.for_page, actor=api_viewer(request),
                       campaign_id=_cid(request), before=_before(request))
    return JSONResponse({
        "comments": [{**thread.comment, "replies": thread.replies} for thread in found.threads],
        "older": found.older,
    })


async def post_comment(request: Request) -> Response:
    body = await checked_body(request, POST_BODY)
    made = await write(request, discussion.post_comment, actor=api_viewer(request),
                       campaign_id=_cid(request), text=body["text"],
                       parent_id=body.get("parent_id"),
                       client_op_id=body.get("client_op_id"))
    return JSONResponse(made, status_code=201)


COMMENTS = "/campaigns/{campaign_id:int}/comments"

OPERATIONS: list[Operation] = [
    Operation(COMMENTS, "GET", list_comments,
              "A campaign's discussion, a page at a time", PAGE, errors=(401, 404, 422),
              query=({"name": "before", "required": False, "schema": {"type": "integer"},
                      "description": "Top-level comments older than this comment id; "
                                     "without it, the newest."},),
              description="Anyone who can see the campaign can read its discussion."),
    Operation(COMMENTS, "POST", post_comment, "Post a comment, or a reply", COMMENT,
              request_body=POST_BODY, status=201, errors=(400, 401, 403, 404, 413, 422),
              description="For the campaign's members (leads, members and facilitators), "
                          "while it is open. An under-13 needs a parent's or carer's "
                          "agreement first. Everyone following the campaign live is sent "
                          "the new comment."),
]
