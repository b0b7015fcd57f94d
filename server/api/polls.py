"""Polls over the JSON API: create one, read it, vote, see the results, and run it.

Thin, like the pages: check the body's shape against the documented schema, call the same
poll service the pages call, and answer with the poll as the caller may see it. A vote
carries a client operation id: sending it again (a retry after a dropped connection) is
answered with what the first one saved, and changes nothing.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts.sessions import Viewer
from server.api.base import PREFIX, Operation, api_viewer, checked_body
from server.campaigns import ballots, counting, polls, tallies
from server.campaigns.models import PollKind, PollStatus, Visibility
from server.errors import InvalidInput
from server.web import path_int, read, write

# ---------------------------------------------------------------- schemas

TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}
KIND: dict[str, Any] = {"type": "string", "enum": [str(kind) for kind in PollKind]}
STATUS: dict[str, Any] = {"type": "string", "enum": [str(status) for status in PollStatus],
                          "description": "closed once its closing time has passed."}
VISIBILITY: dict[str, Any] = {"type": "string", "enum": [str(v) for v in Visibility]}
CHOICES: dict[str, Any] = {
    "type": ["array", "object", "string"],
    "items": {"type": "integer"},
    "description": "single, multiple, ranked: a list of option ids (single: exactly one; "
                   "multiple: up to max_choices; ranked: in order, best first). score: an "
                   "object of option id → 0 to 5, for every option. proposal: one of agree, "
                   "abstain, disagree, block.",
}

CREATE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "question"],
    "additionalProperties": False,
    "properties": {
        "kind": KIND,
        "question": {"type": "string", "description": f"1 to {polls.QUESTION_MAX} characters."},
        "description": {"type": "string",
                        "description": f"Up to {polls.DESCRIPTION_MAX:,} characters."},
        "options": {"type": "array", "items": {"type": "string"},
                    "description": f"{polls.OPTIONS_MIN} to {polls.OPTIONS_MAX} different "
                                   f"options of up to {polls.OPTION_MAX} characters; none for "
                                   "a proposal."},
        "max_choices": {"type": ["integer", "null"],
                        "description": "multiple: how many options a ballot may pick; null "
                                       "for as many as there are."},
        "anonymous": {"type": "boolean",
                      "description": "false: the campaign's members see who voted what. "
                                     "Default true."},
        "visibility": {**VISIBILITY, "description": "When people see the results. Default "
                                                    "live."},
        "closes_at": {"type": ["string", "null"], "format": "date-time",
                      "description": "When voting closes, in the future; UTC when it has no "
                                     "time zone. null: closed by hand."},
        "open": {"type": "boolean",
                 "description": "false saves a draft that a lead or facilitator opens later. "
                                "Default true."},
    },
}

BALLOT_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["choices", "client_op_id"],
    "additionalProperties": False,
    "properties": {
        "choices": CHOICES,
        "client_op_id": {"type": "string",
                         "description": "1 to 64 letters, digits, - or _, new for each vote. "
                                        "Send the same one again to retry safely."},
        "reason": {"type": "string",
                   "description": f"proposal: why, up to {ballots.REASON_MAX} characters."},
    },
}

REVEAL_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["revealed"],
    "additionalProperties": False,
    "properties": {"revealed": {"type": "boolean",
                                "description": "true shows the results to everyone now; "
                                               "false goes back to the visibility setting."}},
}

OPTION_VOTES: dict[str, Any] = {
    "type": "object",
    "required": ["option_id", "label", "votes"],
    "properties": {"option_id": {"type": "integer"}, "label": {"type": "string"},
                   "votes": {"type": "integer"}},
}
INT_OR_NULL: dict[str, Any] = {"type": ["integer", "null"]}
NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}

RESULTS: dict[str, Any] = {
    "type": "object",
    "description": "Counted from the ballots each time. When results_visible is false you "
                   "may not see them yet (see the poll's visibility): only the number of "
                   "ballots is given. Never says who voted what.",
    "required": ["poll_id", "ballots", "status", "results_visible"],
    "properties": {
        "poll_id": {"type": "integer"},
        "ballots": {"type": "integer", "description": "How many people have voted."},
        "status": STATUS,
        "results_visible": {"type": "boolean"},
        "kind": KIND,
        "counts": {"type": "array", "items": OPTION_VOTES,
                   "description": "single, multiple: ballots choosing each option. ranked: "
                                  "first choices."},
        "rounds": {"type": "array", "description": "ranked: every instant-runoff round.",
                   "items": {"type": "object",
                             "required": ["counts", "exhausted", "eliminated"],
                             "properties": {
                                 "counts": {"type": "array", "items": OPTION_VOTES},
                                 "exhausted": {"type": "integer",
                                               "description": "Ballots with no choice left."},
                                 "eliminated": {"type": "array", "items": {"type": "integer"}},
                             }}},
        "winner": {**INT_OR_NULL, "description": "ranked: the winning option's id; null with "
                                                 "no ballots or a tie."},
        "tied": {"type": "array", "items": {"type": "integer"}},
        "scores": {"type": "array", "description": "score: each option's scores.",
                   "items": {"type": "object",
                             "required": ["option_id", "label", "count", "average", "spread",
                                          "lowest", "highest", "distribution"],
                             "properties": {
                                 "option_id": {"type": "integer"}, "label": {"type": "string"},
                                 "count": {"type": "integer"}, "average": NUMBER_OR_NULL,
                                 "spread": {**NUMBER_OR_NULL,
                                            "description": "Population standard deviation."},
                                 "lowest": INT_OR_NULL, "highest": INT_OR_NULL,
                                 "distribution": {"type": "array", "items": {"type": "integer"},
                                                  "description": "How many gave 0, 1, … 5."},
                             }}},
        "positions": {"type": "object", "description": "proposal: how many took each "
                                                       "position.",
                      "required": list(counting.PROPOSAL_POSITIONS),
                      "properties": {p: {"type": "integer"} for p in counting.PROPOSAL_POSITIONS}},
        "block_reasons": {"type": "array", "items": {"type": "string"},
                          "description": "proposal: the reasons given with blocks, without "
                                         "names."},
    },
}

MY_BALLOT: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "Your vote in this poll; null if you have not voted.",
    "required": ["choices", "reason", "changed_at"],
    "properties": {"choices": CHOICES, "reason": {"type": "string"},
                   "changed_at": TIMESTAMP},
}

POLL: dict[str, Any] = {
    "type": "object",
    "required": ["id", "campaign_id", "question", "description", "kind", "kind_label",
                 "options", "max_choices", "anonymous", "visibility", "visibility_label",
                 "revealed", "status", "closes_at", "closes_at_text", "paused", "my_ballot",
                 "may_vote", "why_not", "results"],
    "properties": {
        "id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "question": {"type": "string"},
        "description": {"type": "string"},
        "kind": KIND,
        "kind_label": {"type": "string"},
        "options": {"type": "array", "items": {
            "type": "object", "required": ["id", "label"],
            "properties": {"id": {"type": "integer"}, "label": {"type": "string"}}}},
        "max_choices": {"type": "integer"},
        "anonymous": {"type": "boolean"},
        "visibility": VISIBILITY,
        "visibility_label": {"type": "string"},
        "revealed": {"type": "boolean",
                     "description": "A lead or facilitator showed the results to everyone."},
        "status": STATUS,
        "closes_at": {"type": ["string", "null"], "format": "date-time"},
        "closes_at_text": {"type": "string", "description": "closes_at in words; \"\" when "
                                                            "it closes by hand."},
        "paused": {"type": "boolean",
                   "description": "A youth worker paused it: open, but taking no votes until "
                                  "it is resumed."},
        "my_ballot": MY_BALLOT,
        "may_vote": {"type": "boolean"},
        "why_not": {"type": "string", "description": "Why you cannot vote now; \"\" when you "
                                                     "can."},
        "results": RESULTS,
    },
}

SAVED: dict[str, Any] = {
    "type": "object",
    "required": ["saved", "replayed", "ballot"],
    "properties": {
        "saved": {"type": "boolean", "description": "Always true: the vote is committed."},
        "replayed": {"type": "boolean",
                     "description": "true when this client_op_id was sent before: the ballot "
                                    "is what that first request saved, and nothing changed."},
        "ballot": {
            "type": "object",
            "required": ["poll_id", "choices", "reason", "client_op_id", "saved_at"],
            "properties": {"poll_id": {"type": "integer"}, "choices": CHOICES,
                           "reason": {"type": "string"}, "client_op_id": {"type": "string"},
                           "saved_at": TIMESTAMP},
        },
    },
}

# ---------------------------------------------------------------- JSON out


def _choices(value: Any) -> Any:
    return {str(key): score for key, score in value.items()} if isinstance(value, dict) else value


def _poll(card: polls.PollCard) -> dict[str, Any]:
    mine = card.mine
    return {
        **card.data,
        "my_ballot": None if mine is None else {"choices": _choices(mine.choices),
                                                "reason": mine.reason,
                                                "changed_at": mine.changed_at.isoformat()},
        "may_vote": card.may_vote,
        "why_not": card.why_not,
        "results": tallies.results_json(card.tally, full=card.sees_results),
    }


def _saved(saved: ballots.Saved) -> dict[str, Any]:
    return {"saved": True, "replayed": saved.replayed,
            "ballot": {"poll_id": saved.poll_id, "choices": _choices(saved.choices),
                       "reason": saved.reason, "client_op_id": saved.client_op_id,
                       "saved_at": saved.saved_at.isoformat()}}


# ---------------------------------------------------------------- composing service calls


def _create(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any],
            ) -> polls.PollPage:
    if body["kind"] == PollKind.proposal and body.get("options"):
        raise InvalidInput({"options": "A proposal has fixed positions (agree, abstain, "
                                       "disagree, block): leave out options."})
    data = {name: body[name] for name in CREATE_BODY["properties"] if name in body}
    poll = polls.create_poll(session, actor=actor, campaign_id=campaign_id, data=data,
                             open_now=body.get("open", True))
    assert poll.id is not None
    return polls.get_poll(session, actor=actor, poll_id=poll.id)


def _then_show(action: Callable[..., Any]) -> Callable[..., polls.PollPage]:
    """A runner's action, then the poll as they now see it, in one transaction."""

    def run(session: Session, *, actor: Viewer, poll_id: int, **kwargs: Any) -> polls.PollPage:
        action(session, actor=actor, poll_id=poll_id, **kwargs)
        return polls.get_poll(session, actor=actor, poll_id=poll_id)

    return run


# ---------------------------------------------------------------- endpoints


def _pid(request: Request) -> int:
    return path_int(request, "poll_id")


async def create_poll(request: Request) -> Response:
    actor, campaign_id = api_viewer(request), path_int(request, "campaign_id")
    body = await checked_body(request, CREATE_BODY)
    page = await write(request, _create, actor=actor, campaign_id=campaign_id, body=body)
    return JSONResponse(_poll(page.card), status_code=201,
                        headers={"Location": f"{PREFIX}/polls/{page.card.poll.id}"})


async def get_poll(request: Request) -> Response:
    page = await read(request, polls.get_poll, actor=api_viewer(request), poll_id=_pid(request))
    return JSONResponse(_poll(page.card))


async def cast_ballot(request: Request) -> Response:
    body = await checked_body(request, BALLOT_BODY)
    saved = await write(request, ballots.cast_ballot, actor=api_viewer(request),
                        poll_id=_pid(request), choices=body["choices"],
                        client_op_id=body["client_op_id"], reason=body.get("reason", ""))
    return JSONResponse(_saved(saved))


async def get_results(request: Request) -> Response:
    page = await read(request, polls.get_poll, actor=api_viewer(request), poll_id=_pid(request))
    return JSONResponse(tallies.results_json(page.card.tally, full=page.card.sees_results))


def _runner_endpoint(action: Callable[..., Any], *, body_schema: dict[str, Any] | None = None,
                     ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        extra = await checked_body(request, body_schema) if body_schema else {}
        page = await write(request, _then_show(action), actor=api_viewer(request),
                           poll_id=_pid(request), **extra)
        return JSONResponse(_poll(page.card))

    return endpoint


ONE = "/polls/{poll_id:int}"
BODY_ERRORS = (400, 401, 403, 404, 413, 422)
RUNNERS = ("Only the campaign's leads and facilitators, while the campaign is not archived.")

OPERATIONS = [
    Operation("/campaigns/{campaign_id:int}/polls", "POST", create_poll,
              "Create a poll in a campaign, open or as a draft", POLL,
              request_body=CREATE_BODY, status=201, errors=BODY_ERRORS,
              description="Only the campaign's leads and facilitators, while the campaign "
                          "is a draft or live. Every problem with the body is listed by "
                          "its field."),
    Operation(ONE, "GET", get_poll, "A poll: its options, your vote, and the results you "
              "may see", POLL, errors=(401, 404),
              description="Drafts are found only by the campaign's leads and facilitators "
                          "(and youth workers)."),
    Operation(ONE + "/ballot", "PUT", cast_ballot, "Vote, or change your vote", SAVED,
              request_body=BALLOT_BODY, errors=BODY_ERRORS,
              description="For the campaign's young people (leads and members), until the "
                          "poll closes. One ballot per person: a second vote replaces the "
                          "first. Sending the same client_op_id again answers with what the "
                          "first request saved (replayed: true) and changes nothing, even "
                          "after the poll has closed."),
    Operation(ONE + "/results", "GET", get_results, "A poll's results, counted from its "
              "ballots", RESULTS, errors=(401, 404),
              description="200 whether or not you may see the results yet: when you may "
                          "not, results_visible is false and only the number of ballots "
                          "is given."),
    Operation(ONE + "/open", "POST", _runner_endpoint(polls.open_poll),
              "Open a draft poll for votes", POLL, errors=(401, 403, 404),
              description=RUNNERS + " Opening an open poll changes nothing."),
    Operation(ONE + "/close", "POST", _runner_endpoint(polls.close_poll),
              "Close a poll: no more votes, and everyone sees the results", POLL,
              errors=(401, 403, 404),
              description=RUNNERS + " Closing a closed poll changes nothing."),
    Operation(ONE + "/reveal", "POST",
              _runner_endpoint(polls.set_revealed, body_schema=REVEAL_BODY),
              "Show a poll's results to everyone now, or hide them again", POLL,
              request_body=REVEAL_BODY, errors=BODY_ERRORS, description=RUNNERS),
]
