"""Moderation over the JSON API: report a comment; hold, hide, restore or remove it, or dismiss
its reports; mute someone; the room's controls; pause a poll; and the youth workers' queue.

Thin, like the console's pages: check the body's shape against the documented schema, call
the same moderation services, and answer in the shapes the rest of the API uses (a comment as
`discussion.comment_data`, a poll as `GET /polls/{id}`). Who may do what is the services'
business; this module only says it in the OpenAPI document.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts.sessions import Viewer
from server.api import polls as poll_api
from server.api.base import Operation, api_viewer, checked_body
from server.api.comments import COMMENT
from server.campaigns import discussion
from server.campaigns.models import CampaignRole, Comment
from server.moderation import comments, concerns, console, mutes, peers, room
from server.moderation.models import ReportKind
from server.web import path_int, read, write

# ---------------------------------------------------------------- schemas

TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}
TIMESTAMP_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
INT_OR_NULL: dict[str, Any] = {"type": ["integer", "null"]}
TEXT: dict[str, Any] = {"type": "string"}
REPORT_KIND: dict[str, Any] = {"type": "string", "enum": [str(kind) for kind in ReportKind]}


def _reason(required: bool) -> dict[str, Any]:
    said = ("Why, in a few words: it goes in the audit log." if required
            else "Why, if you like: it goes in the audit log.")
    return {"type": "string", "description": f"{said} Up to {comments.WORDS_MAX} characters."}


def _body_with(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "additionalProperties": False,
            "properties": properties}


REPORT_BODY = _body_with(
    ["kind"],
    kind={**REPORT_KIND, "description": "What is wrong: unkind, unsafe, spam, or other "
                                        "(something else)."},
    words={"type": "string", "description": "More about it, if you like, up to "
                                            f"{comments.WORDS_MAX} characters. Only youth "
                                            "workers and admins read it."})
REASON_OPTIONAL_BODY = _body_with([], reason=_reason(required=False))
REASON_REQUIRED_BODY = _body_with(["reason"], reason=_reason(required=True))

REPORTED: dict[str, Any] = {
    "type": "object",
    "required": ["report_id", "again", "held"],
    "properties": {
        "report_id": {"type": "integer"},
        "again": {"type": "boolean",
                  "description": "You had reported this comment before: that report stands, "
                                 "and nothing new was saved."},
        "held": {"type": "boolean",
                 "description": "Your report was the one that made enough different members, "
                                "so the comment is now held until a youth worker looks."},
    },
}

ROOM: dict[str, Any] = {
    "type": "object",
    "required": ["campaign_id", "premoderation", "slow_mode_seconds", "locked"],
    "properties": {
        "campaign_id": {"type": "integer"},
        "premoderation": {"type": "boolean",
                          "description": "New comments from young people wait for a youth "
                                         "worker before anyone else sees them."},
        "slow_mode_seconds": {"type": "integer",
                              "description": "One comment per member every this many "
                                             "seconds; 0 is off."},
        "locked": {"type": "boolean",
                   "description": "Only youth workers can comment, reply or react."},
    },
}

ROOM_BODY = _body_with(
    [],
    premoderation={"type": "boolean"},
    slow_mode_seconds={"type": "integer",
                       "description": f"0 (off) to {room.SLOW_MODE_MAX} seconds."},
    locked={"type": "boolean"})

MUTE: dict[str, Any] = {
    "type": "object",
    "required": ["user_id", "display_name", "until", "left"],
    "properties": {
        "user_id": {"type": "integer"},
        "display_name": {"type": "string"},
        "until": {**TIMESTAMP_OR_NULL, "description": "null: until a youth worker lifts it."},
        "left": {"type": "string", "description": "How long is left, in words: \"for another "
                                                  "9 minutes\"."},
    },
}

MUTES: dict[str, Any] = {
    "type": "object",
    "required": ["mutes"],
    "properties": {"mutes": {"type": "array", "items": MUTE,
                             "description": "Everyone muted in the campaign now, the "
                                            "earliest first."}},
}

MUTE_BODY = _body_with(
    ["user_id", "duration"],
    user_id={"type": "integer", "description": "A young person in the campaign."},
    duration={"type": "string", "enum": list(mutes.DURATIONS),
              "description": "10m, 1h, or lifted (until a youth worker lifts it). Muting "
                             "someone again replaces their earlier mute."},
    reason={"type": "string", "description": "Why, if you like: it goes in the audit log. "
                                             "Up to 500 characters."})

PAUSE_BODY = _body_with(
    ["paused"],
    paused={"type": "boolean", "description": "true: the poll stays open but takes no votes; "
                                              "false: it takes them again."})

PEER_BODY = _body_with(
    ["on"], on={"type": "boolean", "description": "true makes them a peer moderator; false "
                                                  "stops it."})

PEER: dict[str, Any] = {
    "type": "object",
    "required": ["campaign_id", "user_id", "role", "peer_moderator"],
    "properties": {
        "campaign_id": {"type": "integer"},
        "user_id": {"type": "integer"},
        "role": {"type": "string", "enum": [str(role) for role in CampaignRole]},
        "peer_moderator": {"type": "boolean"},
    },
}

REPORT_VIEW: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "kind_label", "words", "reporter_name", "at"],
    "properties": {"kind": REPORT_KIND, "kind_label": TEXT, "words": TEXT,
                   "reporter_name": TEXT, "at": TIMESTAMP},
}

ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["comment", "campaign_id", "campaign_title", "author_id", "author_name",
                 "author_username", "cause", "held_by_peer", "moderated_by_name", "reason",
                 "reports"],
    "properties": {
        "comment": {**COMMENT, "description": "Whole, words included, whatever its state."},
        "campaign_id": {"type": "integer"},
        "campaign_title": TEXT,
        "author_id": {**INT_OR_NULL, "description": "null once the author's account has "
                                                    "been erased."},
        "author_name": TEXT,
        "author_username": TEXT,
        "cause": {"type": "string", "description": "Why it is held, in words; \"\" for a "
                                                   "reported comment everyone still sees."},
        "held_by_peer": {"type": "boolean"},
        "moderated_by_name": {"type": "string",
                              "description": "Who held it; \"\" when it was held on its own "
                                             "(reports, pre-moderation, the word filter)."},
        "reason": {"type": "string", "description": "The reason given when it was held."},
        "reports": {"type": "array", "items": REPORT_VIEW,
                    "description": "Its open reports, the earliest first."},
    },
}

CONCERN: dict[str, Any] = {
    "type": "object",
    "required": ["id", "text", "urgent", "created_at", "raised_by_id", "raised_by_name",
                 "campaign_id", "campaign_title", "about_user_id", "about_name", "comment",
                 "seen_at", "seen_by_name"],
    "properties": {
        "id": {"type": "integer"},
        "text": {"type": "string", "description": "The young person's own words."},
        "urgent": {"type": "boolean"},
        "created_at": TIMESTAMP,
        "raised_by_id": INT_OR_NULL,
        "raised_by_name": TEXT,
        "campaign_id": INT_OR_NULL,
        "campaign_title": TEXT,
        "about_user_id": {**INT_OR_NULL, "description": "Who it is about, when they said."},
        "about_name": TEXT,
        "comment": {"type": ["object", "null"],
                    "description": "The comment it is about, when they said.",
                    "required": ["id", "text", "author_name"],
                    "properties": {"id": {"type": "integer"}, "text": TEXT,
                                   "author_name": TEXT}},
        "seen_at": {**TIMESTAMP_OR_NULL,
                    "description": "When a youth worker said they are dealing with it."},
        "seen_by_name": TEXT,
    },
}

PEER_ACTION: dict[str, Any] = {
    "type": "object",
    "required": ["at", "actor_name", "action", "campaign_id", "campaign_title", "comment_id",
                 "reason"],
    "properties": {
        "at": TIMESTAMP,
        "actor_name": TEXT,
        "action": {"type": "string", "enum": ["comment.held", "comment.restored"]},
        "campaign_id": INT_OR_NULL,
        "campaign_title": TEXT,
        "comment_id": INT_OR_NULL,
        "reason": TEXT,
    },
}

MUTED: dict[str, Any] = {
    "type": "object",
    "required": ["campaign_id", "campaign_title", "user_id", "display_name", "left"],
    "properties": {"campaign_id": {"type": "integer"}, "campaign_title": TEXT,
                   "user_id": {"type": "integer"}, "display_name": TEXT, "left": TEXT},
}

QUEUE: dict[str, Any] = {
    "type": "object",
    "required": ["waiting", "concerns", "held", "reported", "peer_actions", "muted"],
    "properties": {
        "waiting": {"type": "integer",
                    "description": "Concerns, held comments and reported comments together."},
        "concerns": {"type": "array", "items": CONCERN,
                     "description": "Open safeguarding concerns: those nobody has seen yet "
                                    "first, then the newest. Urgent: look at these first."},
        "held": {"type": "array", "items": ITEM,
                 "description": f"Comments held for a youth worker, the oldest first (up to "
                                f"{console.LIMIT})."},
        "reported": {"type": "array", "items": ITEM,
                     "description": "Comments with open reports that everyone can still see, "
                                    f"the oldest first (up to {console.LIMIT})."},
        "peer_actions": {"type": "array", "items": PEER_ACTION,
                         "description": "What peer moderators held or brought back in the "
                                        "last 7 days, the newest first."},
        "muted": {"type": "array", "items": MUTED,
                  "description": "Everyone muted now, in every campaign."},
    },
}

# ---------------------------------------------------------------- JSON out


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _shown_to(session: Session, actor: Viewer, comment: Comment) -> discussion.CommentData:
    """The comment as the actor now sees it: whole for youth workers and its author, and as
    everyone sees it for a peer moderator."""
    data = discussion._one(session, comment, whole=True)
    if actor.is_staff or comment.author_id == actor.user_id:
        return data
    return discussion.public(comment, data)


def _mute(view: mutes.MuteView) -> dict[str, Any]:
    return {"user_id": view.user_id, "display_name": view.display_name,
            "until": _when(view.until), "left": view.left}


def _item(item: console.Item) -> dict[str, Any]:
    return {"comment": item.comment, "campaign_id": item.campaign_id,
            "campaign_title": item.campaign_title, "author_id": item.author_id,
            "author_name": item.author_name, "author_username": item.author_username,
            "cause": item.cause, "held_by_peer": item.held_by_peer,
            "moderated_by_name": item.moderated_by_name, "reason": item.reason,
            "reports": [{"kind": r.kind, "kind_label": r.kind_label, "words": r.words,
                         "reporter_name": r.reporter_name, "at": r.at.isoformat()}
                        for r in item.reports]}


def _concern(view: concerns.ConcernView) -> dict[str, Any]:
    about = view.comment
    return {"id": view.id, "text": view.text, "urgent": view.urgent,
            "created_at": view.created_at.isoformat(), "raised_by_id": view.raised_by_id,
            "raised_by_name": view.raised_by_name, "campaign_id": view.campaign_id,
            "campaign_title": view.campaign_title, "about_user_id": view.about_user_id,
            "about_name": view.about_name,
            "comment": None if about is None else {"id": about.id, "text": about.text,
                                                   "author_name": about.author_name},
            "seen_at": _when(view.seen_at), "seen_by_name": view.seen_by_name}


def _queue(found: console.Queue) -> dict[str, Any]:
    return {
        "waiting": found.waiting,
        "concerns": [_concern(view) for view in found.concerns],
        "held": [_item(item) for item in found.held],
        "reported": [_item(item) for item in found.reported],
        "peer_actions": [{"at": a.at.isoformat(), "actor_name": a.actor_name,
                          "action": a.action, "campaign_id": a.campaign_id,
                          "campaign_title": a.campaign_title, "comment_id": a.comment_id,
                          "reason": a.reason} for a in found.peer_actions],
        "muted": [{"campaign_id": m.campaign_id, "campaign_title": m.campaign_title,
                   "user_id": m.user_id, "display_name": m.name, "left": m.left}
                  for m in found.muted],
    }


# ---------------------------------------------------------------- composing service calls


def _then_show(action: Callable[..., Comment]) -> Callable[..., discussion.CommentData]:
    """A moderation action, then the comment as the actor now sees it, in one transaction."""

    def run(session: Session, *, actor: Viewer, comment_id: int, **kwargs: Any
            ) -> discussion.CommentData:
        comment = action(session, actor=actor, comment_id=comment_id, **kwargs)
        return _shown_to(session, actor, comment)

    return run


def _report(session: Session, *, actor: Viewer, comment_id: int, kind: str, words: str
            ) -> dict[str, Any]:
    made = comments.report_comment(session, actor=actor, comment_id=comment_id, kind=kind,
                                   words=words)
    return {"report_id": made.report.id, "again": made.again, "held": made.held}


def _mutes_of(session: Session, *, actor: Viewer, campaign_id: int) -> list[dict[str, Any]]:
    mutes._staff_on(session, actor, campaign_id)  # mutes are for youth workers' eyes only
    return [_mute(view) for view in mutes.active_in(session, campaign_id)]


def _mute_someone(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any]
                  ) -> dict[str, Any]:
    made = mutes.mute(session, actor=actor, campaign_id=campaign_id, user_id=body["user_id"],
                      duration=body["duration"], reason=body.get("reason", ""))
    (view,) = [v for v in mutes.active_in(session, campaign_id) if v.user_id == made.user_id]
    return _mute(view)


def _unmute(session: Session, *, actor: Viewer, campaign_id: int, user_id: int
            ) -> list[dict[str, Any]]:
    mutes.unmute(session, actor=actor, campaign_id=campaign_id, user_id=user_id)
    return [_mute(view) for view in mutes.active_in(session, campaign_id)]


def _set_room(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any]
              ) -> dict[str, Any]:
    return room.set_room(session, actor=actor, campaign_id=campaign_id,
                         premoderation=body.get("premoderation"),
                         slow_mode_seconds=body.get("slow_mode_seconds"),
                         locked=body.get("locked")).as_json()


def _peer(session: Session, *, actor: Viewer, campaign_id: int, user_id: int, on: bool
          ) -> dict[str, Any]:
    member = peers.set_peer_moderator(session, actor=actor, campaign_id=campaign_id,
                                      user_id=user_id, on=on)
    return {"campaign_id": member.campaign_id, "user_id": member.user_id, "role": member.role,
            "peer_moderator": member.peer_moderator_at is not None}


# ---------------------------------------------------------------- endpoints


def _cid(request: Request) -> int:
    return path_int(request, "campaign_id")


async def report(request: Request) -> Response:
    body = await checked_body(request, REPORT_BODY)
    made = await write(request, _report, actor=api_viewer(request),
                       comment_id=path_int(request, "comment_id"), kind=body["kind"],
                       words=body.get("words", ""))
    return JSONResponse(made, status_code=201)


def _comment_endpoint(action: Callable[..., Comment], body_schema: dict[str, Any] | None,
                      ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        extra = await checked_body(request, body_schema) if body_schema else {}
        shown = await write(request, _then_show(action), actor=api_viewer(request),
                            comment_id=path_int(request, "comment_id"), **extra)
        return JSONResponse(shown)

    return endpoint


async def get_room(request: Request) -> Response:
    found = await read(request, room.get_room, actor=api_viewer(request),
                       campaign_id=_cid(request))
    return JSONResponse(found.as_json())


async def set_room(request: Request) -> Response:
    body = await checked_body(request, ROOM_BODY)
    changed = await write(request, _set_room, actor=api_viewer(request),
                          campaign_id=_cid(request), body=body)
    return JSONResponse(changed)


async def list_mutes(request: Request) -> Response:
    found = await read(request, _mutes_of, actor=api_viewer(request), campaign_id=_cid(request))
    return JSONResponse({"mutes": found})


async def mute(request: Request) -> Response:
    body = await checked_body(request, MUTE_BODY)
    made = await write(request, _mute_someone, actor=api_viewer(request),
                       campaign_id=_cid(request), body=body)
    return JSONResponse(made, status_code=201)


async def unmute(request: Request) -> Response:
    left = await write(request, _unmute, actor=api_viewer(request), campaign_id=_cid(request),
                       user_id=path_int(request, "user_id"))
    return JSONResponse({"mutes": left})


async def pause_poll(request: Request) -> Response:
    body = await checked_body(request, PAUSE_BODY)
    page = await write(request, poll_api._then_show(room.pause_poll), actor=api_viewer(request),
                       poll_id=path_int(request, "poll_id"), paused=body["paused"])
    return JSONResponse(poll_api._poll(page.card))


async def set_peer(request: Request) -> Response:
    body = await checked_body(request, PEER_BODY)
    found = await write(request, _peer, actor=api_viewer(request), campaign_id=_cid(request),
                        user_id=path_int(request, "user_id"), on=body["on"])
    return JSONResponse(found)


async def moderation_queue(request: Request) -> Response:
    found = await read(request, console.queue, actor=api_viewer(request))
    return JSONResponse(_queue(found))


COMMENT_PATH = "/comments/{comment_id:int}"
ROOM_PATH = "/campaigns/{campaign_id:int}/room"
MUTES_PATH = "/campaigns/{campaign_id:int}/mutes"
BODY_ERRORS = (400, 401, 403, 404, 413, 422)
STAFF = "Youth workers and admins only (403 for anyone else)."
MODERATORS = ("Youth workers and admins, and the campaign's peer moderators (young people a "
              "lead trusted), 403 for anyone else.")
SHOWN = (" Answers with the comment: whole for a youth worker, as everyone sees it for a peer "
         "moderator.")

OPERATIONS = [
    Operation(COMMENT_PATH + "/reports", "POST", report,
              "Report a comment that feels wrong", REPORTED, request_body=REPORT_BODY,
              status=201, errors=BODY_ERRORS,
              description="Anyone who can see the comment, except its author (403). Only the "
                          "organisation's youth workers and admins see reports. One report per "
                          "person: reporting again answers with the first (again: true) and "
                          "saves nothing. When enough different members have reported a "
                          "comment (3 unless the organisation chose otherwise), it is held "
                          "until a youth worker looks."),
    Operation(COMMENT_PATH + "/hold", "POST",
              _comment_endpoint(comments.hold_comment, REASON_OPTIONAL_BODY),
              "Hold a comment until a youth worker looks", COMMENT,
              request_body=REASON_OPTIONAL_BODY, errors=BODY_ERRORS,
              description=MODERATORS + " Everyone else sees a stand-in in its place at once. "
                          "Holding a comment that is not shown changes nothing." + SHOWN),
    Operation(COMMENT_PATH + "/hide", "POST",
              _comment_endpoint(comments.hide_comment, REASON_REQUIRED_BODY),
              "Hide a comment, with a reason", COMMENT, request_body=REASON_REQUIRED_BODY,
              errors=BODY_ERRORS,
              description=STAFF + " Everyone but its author sees a stand-in in its place; its "
                          "open reports are closed." + SHOWN),
    Operation(COMMENT_PATH + "/restore", "POST",
              _comment_endpoint(comments.restore_comment, None),
              "Show a held or hidden comment to everyone again", COMMENT,
              errors=(401, 403, 404),
              description=MODERATORS + " A peer moderator brings back only what a peer "
                          "moderator held. For a comment held from the start (pre-moderation, "
                          "the word filter) this approves it. A removed comment cannot come "
                          "back (403)." + SHOWN),
    Operation(COMMENT_PATH + "/remove", "POST",
              _comment_endpoint(comments.remove_comment, REASON_REQUIRED_BODY),
              "Delete a comment's words for good, with a reason", COMMENT,
              request_body=REASON_REQUIRED_BODY, errors=BODY_ERRORS,
              description="Organisation admins only (403 for anyone else). Its place stays "
                          "for its replies." + SHOWN),
    Operation(COMMENT_PATH + "/dismiss", "POST",
              _comment_endpoint(comments.dismiss_reports, REASON_OPTIONAL_BODY),
              "Dismiss a comment's reports", COMMENT, request_body=REASON_OPTIONAL_BODY,
              errors=BODY_ERRORS,
              description=STAFF + " Its open reports are closed, and if they had held it, "
                          "everyone sees it again." + SHOWN),
    Operation(ROOM_PATH, "GET", get_room, "A campaign's room controls", ROOM,
              errors=(401, 404),
              description="Anyone who can see the campaign: every page says what is on."),
    Operation(ROOM_PATH, "PATCH", set_room,
              "Turn pre-moderation, slow mode or the lock on or off", ROOM,
              request_body=ROOM_BODY, errors=BODY_ERRORS,
              description=STAFF + " Controls left out stay as they are. Everyone following "
                          "the campaign live is told (room.changed). Answers with the room."),
    Operation(MUTES_PATH, "GET", list_mutes, "Who is muted in a campaign now", MUTES,
              errors=(401, 403, 404), description=STAFF),
    Operation(MUTES_PATH, "POST", mute,
              "Mute a young person in a campaign for a while", MUTE,
              request_body=MUTE_BODY, status=201, errors=BODY_ERRORS,
              description=STAFF + " A muted young person can still read and vote, but not "
                          "comment, reply or react in this campaign until it runs out or is "
                          "lifted. Answers 201 with the mute."),
    Operation(MUTES_PATH + "/{user_id:int}", "DELETE", unmute, "Lift someone's mute", MUTES,
              errors=(401, 403, 404),
              description=STAFF + " Lifting a mute that has run out, or was never there, "
                          "changes nothing. Answers with who is still muted."),
    Operation("/campaigns/{campaign_id:int}/people/{user_id:int}/peer-moderator", "PUT",
              set_peer, "Make a young person a peer moderator in a campaign, or stop it",
              PEER, request_body=PEER_BODY, errors=BODY_ERRORS,
              description="The campaign's leads, youth workers and admins (403 for anyone "
                          "else). A peer moderator holds comments in this campaign only; "
                          "youth workers see everything they do."),
    Operation("/polls/{poll_id:int}/pause", "POST", pause_poll,
              "Pause an open poll, or resume it", poll_api.POLL, request_body=PAUSE_BODY,
              errors=BODY_ERRORS,
              description=STAFF + " A paused poll stays open but takes no votes until it is "
                          "resumed; only an open poll can be paused (403). Answers with the "
                          "poll."),
    Operation("/moderation/queue", "GET", moderation_queue,
              "The youth workers' moderation queue for the organisation", QUEUE,
              errors=(401, 403),
              description=STAFF + " Open concerns, held comments, reported comments, what "
                          "peer moderators did lately, and who is muted: the console's "
                          "queue."),
]
