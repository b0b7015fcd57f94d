"""Decisions over the JSON API: list and read a campaign's decisions, record one, change it
before it is confirmed, confirm it (which freezes its evidence snapshot), amend it afterwards
with a reason, publish its "we did", and the staff's list of overdue decisions.

Thin, like the pages: check the body's shape against the documented schema, call the same
decisions service the pages call, and answer with the decision as `decision_data` shows it
(no young person's name or user id) plus its suggestion, snapshot, amendments and what you
may do with it. Who may do what is the service's business; this module only says it in the
OpenAPI document.
"""

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server import clock
from server.accounts.models import AgeBand
from server.accounts.sessions import Viewer
from server.api import polls as poll_api
from server.api.base import Operation, api_viewer, checked_body
from server.campaigns import service
from server.errors import InvalidInput, NotFound
from server.ladder import decisions
from server.ladder.models import (
    AMENDMENT_REASON_MAX,
    DETAILS_MAX,
    LUNDY_NOTE_MAX,
    REASON_MAX,
    STORY_MAX,
    TITLE_MAX,
    Amendment,
)
from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS, DecidedBy
from server.web import path_int, read, write

T = TypeVar("T")

# ---------------------------------------------------------------- schemas

TEXT: dict[str, Any] = {"type": "string"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
DATE_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}
TIMESTAMP_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
INT_OR_NULL: dict[str, Any] = {"type": ["integer", "null"]}
IDS: dict[str, Any] = {"type": "array", "items": {"type": "integer"}}
RUNG: dict[str, Any] = {"type": "string", "enum": [str(rung) for rung in RUNGS],
                        "description": "A rung of the ladder (see GET /ladder)."}
DECIDED_BY: dict[str, Any] = {"type": "string", "enum": [str(who) for who in DecidedBy]}


def _lundy(met: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """The Lundy check's shape: `whole` (as answered) has every element, met and note."""
    element = {"type": "object", "required": ["met", "note"] if whole else [],
               "additionalProperties": False,
               "properties": {"met": met, "note": {
                   "type": "string", "description": f"Up to {LUNDY_NOTE_MAX} characters."}}}
    return {"type": "object",
            "required": [str(e) for e in LUNDY_ELEMENTS] if whole else [],
            "additionalProperties": False,
            "properties": {str(e): {**element, "description": e.question}
                           for e in LUNDY_ELEMENTS}}


LUNDY_IN = {**_lundy({"type": ["boolean", "null"],
                      "description": "true: met; false: not met; null: not answered."},
                     whole=False),
            "description": "The Lundy model check: Space, Voice, Audience, Influence. Elements "
                           "and parts left out stay as they were (unanswered on a new "
                           "decision)."}
LUNDY_OUT = {**_lundy({"type": ["boolean", "null"]}, whole=True),
             "description": "The Lundy model check; met is null while unanswered."}

FIELDS: dict[str, Any] = {
    "title": {"type": "string", "description": f"What was decided, up to {TITLE_MAX} "
                                               "characters."},
    "details": {"type": "string", "description": f"Up to {DETAILS_MAX:,} characters."},
    "decided_on": {**DATE, "description": "The day it was decided, like 2027-03-31; not in "
                                          "the future."},
    "decided_by": {**DECIDED_BY, "description": "young_people, together (young people with "
                                                "adults), or adults."},
    "stakeholder_id": {**INT_OR_NULL, "description": "Who made it: one of the campaign's "
                                                     "stakeholders."},
    "poll_ids": {**IDS, "description": "The campaign's polls young people voted in."},
    "thread_ids": {**IDS, "description": "The campaign's comment threads young people took "
                                         "part in: the first comment's id of each."},
    "poll_bound_outcome": {"type": "boolean",
                           "description": "The decision followed a linked poll's result."},
    "bound_poll_id": {**INT_OR_NULL, "description": "Which linked poll it followed; needed "
                                                    "when several polls are linked."},
    "suggestions_taken_up": {"type": "boolean",
                             "description": "Adults took up young people's suggestions."},
    "rung": {"type": ["string", "null"], "enum": [*RUNG["enum"], None],
             "description": "The rung of the ladder; null (or left out on a new decision) "
                            "takes the suggested rung, worked out from the answers above."},
    "rung_reason": {"type": "string",
                    "description": "Why the rung is not the suggested one: required then, up "
                                   f"to {REASON_MAX:,} characters."},
    "you_said": {"type": "string",
                 "description": f"What young people said, up to {STORY_MAX:,} characters; "
                                "when empty, a summary of the linked polls' results."},
    "we_did": {"type": "string",
               "description": "What was done: a draft until it is published (POST …/we-did)."},
    "follow_up_on": {**DATE_OR_NULL,
                     "description": "When young people should hear what was done: the "
                                    "decision is overdue after this day with no \"we did\" "
                                    "published."},
    "lundy": LUNDY_IN,
}

RECORD_BODY: dict[str, Any] = {
    "type": "object", "required": ["title", "decided_on", "decided_by"],
    "additionalProperties": False, "properties": FIELDS,
}
CHANGE_BODY: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "properties": FIELDS,
    "description": "Only the fields that change: those left out stay as they are. A rung "
                   "that was the suggestion follows the suggestion unless another is chosen.",
}
AMEND_BODY: dict[str, Any] = {
    "type": "object", "required": ["reason", "changes"], "additionalProperties": False,
    "properties": {
        "reason": {"type": "string", "description": "Why it is changing, up to "
                                                    f"{AMENDMENT_REASON_MAX} characters: "
                                                    "kept with the amendment."},
        "changes": {**CHANGE_BODY, "description": "The fields that change, as for PATCH."},
    },
}
WE_DID_BODY: dict[str, Any] = {
    "type": "object", "required": ["we_did"], "additionalProperties": False,
    "properties": {
        "we_did": {"type": "string", "description": f"What was done, up to {STORY_MAX:,} "
                                                   "characters."},
        "follow_up_on": {**DATE_OR_NULL, "description": "A new follow-up date, if any; "
                                                        "left out or null keeps the one set."},
    },
}

SNAPSHOT_POLL: dict[str, Any] = {
    **poll_api.RESULTS,
    "description": "A linked poll's results when the decision was confirmed, without who "
                   "voted.",
    "required": ["question", *poll_api.RESULTS["required"]],
    "properties": {"question": TEXT, **poll_api.RESULTS["properties"]},
}
SNAPSHOT: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "The evidence, frozen when a youth worker or admin confirmed the decision; "
                   "null until then. Counts only: never a name. Later votes and comments do "
                   "not change it, and neither do amendments.",
    "required": ["version", "taken_at", "young_people", "ballots", "comments", "age_bands",
                 "polls"],
    "properties": {
        "version": {"type": "integer"},
        "taken_at": TIMESTAMP,
        "young_people": {"type": "integer", "description": "Distinct young people who voted "
                                                           "in the linked polls or commented "
                                                           "in the linked threads."},
        "ballots": {"type": "integer", "description": "Young people's ballots in the linked "
                                                      "polls."},
        "comments": {"type": "integer", "description": "Young people's comments (replies "
                                                       "included) in the linked threads "
                                                       "that everyone can read."},
        "age_bands": {"type": "object", "description": "Those young people by age band; "
                                                       "not_given when they gave none.",
                      "required": [str(band) for band in AgeBand],
                      "properties": {**{str(band): {"type": "integer"} for band in AgeBand},
                                     decisions.NOT_GIVEN: {"type": "integer"}}},
        "polls": {"type": "array", "items": SNAPSHOT_POLL},
    },
}

AMENDMENT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "at", "by", "reason", "changes"],
    "properties": {
        "id": {"type": "integer"},
        "at": TIMESTAMP,
        "by": {"type": "string", "description": "The youth worker or admin who made it; \"\" "
                                                "once their account is gone."},
        "reason": TEXT,
        "changes": {"type": "object",
                    "description": "Each changed field: [old value, new value].",
                    "additionalProperties": {"type": "array", "minItems": 2,
                                             "maxItems": 2}},
    },
}

DECISION: dict[str, Any] = {
    "type": "object",
    "description": "A decision: never a young person's name or user id.",
    "required": ["id", "campaign_id", "title", "details", "decided_on", "decided_by",
                 "decided_by_label", "stakeholder", "poll_ids", "thread_ids",
                 "poll_bound_outcome", "bound_poll_id", "suggestions_taken_up", "rung",
                 "rung_label", "rung_rank", "suggested_rung", "rung_reason", "you_said",
                 "we_did", "follow_up_on", "we_did_published_at", "lundy", "confirmed",
                 "confirmed_at", "suggestion", "snapshot", "amendments", "may"],
    "properties": {
        "id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "title": TEXT,
        "details": TEXT,
        "decided_on": DATE,
        "decided_by": DECIDED_BY,
        "decided_by_label": TEXT,
        "stakeholder": {"type": ["object", "null"],
                        "description": "The campaign's stakeholder who made it.",
                        "required": ["id", "name", "organisation"],
                        "properties": {"id": {"type": "integer"}, "name": TEXT,
                                       "organisation": TEXT}},
        "poll_ids": IDS,
        "thread_ids": IDS,
        "poll_bound_outcome": {"type": "boolean"},
        "bound_poll_id": INT_OR_NULL,
        "suggestions_taken_up": {"type": "boolean"},
        "rung": RUNG,
        "rung_label": TEXT,
        "rung_rank": {"type": "integer", "minimum": 1, "maximum": len(RUNGS),
                      "description": "1 for No Control up to 6 for Full Control."},
        "suggested_rung": {**RUNG, "description": "The rung suggested when it was last "
                                                  "recorded or changed."},
        "rung_reason": {"type": "string", "description": "Why the rung is not the "
                                                         "suggestion; \"\" when it is."},
        "you_said": TEXT,
        "we_did": TEXT,
        "follow_up_on": DATE_OR_NULL,
        "we_did_published_at": {**TIMESTAMP_OR_NULL,
                                "description": "When \"we did\" was published; null while "
                                               "it is a draft."},
        "lundy": LUNDY_OUT,
        "confirmed": {"type": "boolean"},
        "confirmed_at": TIMESTAMP_OR_NULL,
        "suggestion": {
            "type": "object",
            "description": "The rung the decision suggests now, and why.",
            "required": ["rung", "rung_label", "reasons"],
            "properties": {"rung": RUNG, "rung_label": TEXT,
                           "reasons": {"type": "array", "items": TEXT}},
        },
        "snapshot": SNAPSHOT,
        "amendments": {"type": "array", "items": AMENDMENT,
                       "description": "Changes made after confirmation, the earliest first."},
        "may": {
            "type": "object",
            "description": "What you may do with it now.",
            "required": ["change", "confirm", "amend", "publish"],
            "properties": {
                "change": {"type": "boolean", "description": "PATCH it (before "
                                                             "confirmation)."},
                "confirm": {"type": "boolean"},
                "amend": {"type": "boolean"},
                "publish": {"type": "boolean", "description": "Publish its \"we did\"."},
            },
        },
    },
}

LIST: dict[str, Any] = {
    "type": "object", "required": ["decisions"],
    "properties": {"decisions": {"type": "array", "items": DECISION,
                                 "description": "The latest decided first."}},
}

AMENDED: dict[str, Any] = {
    "type": "object", "required": ["amendment", "decision"],
    "properties": {"amendment": AMENDMENT,
                   "decision": {**DECISION, "description": "The decision as amended."}},
}

OVERDUE: dict[str, Any] = {
    "type": "object", "required": ["overdue"],
    "properties": {"overdue": {
        "type": "array",
        "description": "The organisation's decisions whose follow-up date has passed with no "
                       "\"we did\" published, in campaigns that are not archived, the longest "
                       "overdue first.",
        "items": {"type": "object",
                  "required": ["campaign_id", "campaign_title", "days_overdue", "decision"],
                  "properties": {"campaign_id": {"type": "integer"}, "campaign_title": TEXT,
                                 "days_overdue": {"type": "integer", "minimum": 1},
                                 "decision": DECISION}}}},
}

# ---------------------------------------------------------------- JSON out


def _decision(session: Session, view: decisions.DecisionView) -> dict[str, Any]:
    names = service._names(session, {a.by for a in view.amendments if a.by is not None})
    return {
        **decisions.decision_data(view.decision, poll_ids=view.poll_ids,
                                  thread_ids=view.thread_ids, stakeholder=view.stakeholder),
        "suggestion": {"rung": str(view.suggestion.rung),
                       "rung_label": view.suggestion.rung.label,
                       "reasons": list(view.suggestion.reasons)},
        "snapshot": view.snapshot,
        "amendments": [_amendment(a, names) for a in view.amendments],
        "may": {"change": view.may_change, "confirm": view.may_confirm,
                "amend": view.may_amend, "publish": view.may_publish},
    }


def _amendment(amendment: Amendment, names: Mapping[int, str]) -> dict[str, Any]:
    return {"id": amendment.id, "at": amendment.at.isoformat(),
            "by": names.get(amendment.by, "") if amendment.by is not None else "",
            "reason": amendment.reason, "changes": json.loads(amendment.changes)}


def _shown(session: Session, actor: Viewer, decision_id: int) -> dict[str, Any]:
    return _decision(session, decisions.get_decision(session, actor=actor,
                                                     decision_id=decision_id))


def _read_one(session: Session, *, actor: Viewer, decision_id: int) -> dict[str, Any]:
    return _one(_shown)(session, actor=actor, decision_id=decision_id)


# ---------------------------------------------------------------- reading and writing


def _field_of(key: str, within: str = "") -> str:
    """Where a service's problem is in the JSON body: `lundy_space_note` is
    `lundy.space.note`."""
    for element in LUNDY_ELEMENTS:
        if key == f"lundy_{element}":
            key = f"lundy.{element}.met"
        elif key == f"lundy_{element}_note":
            key = f"lundy.{element}.note"
    return f"{within}.{key}" if within else key


def _rekeyed(error: InvalidInput, within: str = "", keep: tuple[str, ...] = ()
             ) -> InvalidInput:
    return InvalidInput({key if key in keep else _field_of(key, within): problem
                         for key, problem in error.errors.items()})


def _with_lundy(current: Mapping[str, Mapping[str, Any]], body: Mapping[str, Any]
                ) -> dict[str, Any]:
    """The body with its Lundy check laid over the current one, so what is left out stays."""
    data = dict(body)
    if "lundy" in data:
        data["lundy"] = {element: {**current.get(element, {}), **data["lundy"].get(element, {})}
                         for element in map(str, LUNDY_ELEMENTS)}
    return data


def _one(action: Callable[..., T]) -> Callable[..., T]:
    """A service call on one decision: a decision the caller cannot see, in another
    organisation or a campaign hidden from them, is missing like one that never was."""

    @functools.wraps(action)
    def run(session: Session, **kwargs: Any) -> T:
        try:
            return action(session, **kwargs)
        except NotFound:
            raise NotFound(decisions.MISSING) from None

    return run


def _list(session: Session, *, actor: Viewer, campaign_id: int) -> list[dict[str, Any]]:
    return [_decision(session, view) for view in
            decisions.list_decisions(session, actor=actor, campaign_id=campaign_id)]


def _record(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any]
            ) -> dict[str, Any]:
    try:
        made = decisions.record_decision(session, actor=actor, campaign_id=campaign_id,
                                         data=body)
    except InvalidInput as error:
        raise _rekeyed(error) from None
    assert made.id is not None
    return _shown(session, actor, made.id)


@_one
def _change(session: Session, *, actor: Viewer, decision_id: int, body: dict[str, Any]
            ) -> dict[str, Any]:
    current = decisions.get_decision(session, actor=actor, decision_id=decision_id).lundy
    try:
        decisions.update_decision(session, actor=actor, decision_id=decision_id,
                                  data=_with_lundy(current, body))
    except InvalidInput as error:
        raise _rekeyed(error) from None
    return _shown(session, actor, decision_id)


@_one
def _confirm(session: Session, *, actor: Viewer, decision_id: int) -> dict[str, Any]:
    decisions.confirm_decision(session, actor=actor, decision_id=decision_id)
    return _shown(session, actor, decision_id)


@_one
def _amend(session: Session, *, actor: Viewer, decision_id: int, body: dict[str, Any]
           ) -> dict[str, Any]:
    current = decisions.get_decision(session, actor=actor, decision_id=decision_id).lundy
    try:
        made = decisions.amend_decision(session, actor=actor, decision_id=decision_id,
                                        data=_with_lundy(current, body["changes"]),
                                        reason=body["reason"])
    except InvalidInput as error:
        raise _rekeyed(error, "changes", keep=("reason",)) from None
    shown = _shown(session, actor, decision_id)
    (amendment,) = [a for a in shown["amendments"] if a["id"] == made.id]
    return {"amendment": amendment, "decision": shown}


@_one
def _publish(session: Session, *, actor: Viewer, decision_id: int, body: dict[str, Any]
             ) -> dict[str, Any]:
    decisions.publish_we_did(session, actor=actor, decision_id=decision_id,
                             we_did=body["we_did"], follow_up_on=body.get("follow_up_on"))
    return _shown(session, actor, decision_id)


def _overdue(session: Session, *, actor: Viewer) -> list[dict[str, Any]]:
    today = clock.now().date()
    found = []
    for decision in decisions.overdue(session, actor=actor):
        assert decision.id is not None and decision.follow_up_on is not None
        view = decisions.get_decision(session, actor=actor, decision_id=decision.id)
        found.append({"campaign_id": decision.campaign_id, "campaign_title": view.campaign.title,
                      "days_overdue": (today - decision.follow_up_on).days,
                      "decision": _decision(session, view)})
    return found


# ---------------------------------------------------------------- endpoints


def _did(request: Request) -> int:
    return path_int(request, "decision_id")


async def list_decisions(request: Request) -> Response:
    found = await read(request, _list, actor=api_viewer(request),
                       campaign_id=path_int(request, "campaign_id"))
    return JSONResponse({"decisions": found})


async def record_decision(request: Request) -> Response:
    body = await checked_body(request, RECORD_BODY)
    made = await write(request, _record, actor=api_viewer(request),
                       campaign_id=path_int(request, "campaign_id"), body=body)
    return JSONResponse(made, status_code=201)


async def get_decision(request: Request) -> Response:
    found = await read(request, _read_one, actor=api_viewer(request),
                       decision_id=_did(request))
    return JSONResponse(found)


async def change_decision(request: Request) -> Response:
    body = await checked_body(request, CHANGE_BODY)
    changed = await write(request, _change, actor=api_viewer(request),
                          decision_id=_did(request), body=body)
    return JSONResponse(changed)


async def confirm_decision(request: Request) -> Response:
    confirmed = await write(request, _confirm, actor=api_viewer(request),
                            decision_id=_did(request))
    return JSONResponse(confirmed)


async def amend_decision(request: Request) -> Response:
    body = await checked_body(request, AMEND_BODY)
    amended = await write(request, _amend, actor=api_viewer(request),
                          decision_id=_did(request), body=body)
    return JSONResponse(amended, status_code=201)


async def publish_we_did(request: Request) -> Response:
    body = await checked_body(request, WE_DID_BODY)
    published = await write(request, _publish, actor=api_viewer(request),
                            decision_id=_did(request), body=body)
    return JSONResponse(published)


async def overdue(request: Request) -> Response:
    found = await read(request, _overdue, actor=api_viewer(request))
    return JSONResponse({"overdue": found})


CAMPAIGN_DECISIONS = "/campaigns/{campaign_id:int}/decisions"
ONE = "/decisions/{decision_id:int}"
BODY_ERRORS = (400, 401, 403, 404, 413, 422)
RUNNERS = ("The campaign's leads and facilitators (403 for anyone else), while the campaign "
           "is not archived.")
STAFF = "Youth workers and organisation admins only (403 for anyone else)."
PROBLEMS = (" Every problem is listed by its field (`lundy.space.note` for a Lundy note), "
            "the body's shape first, then what the values mean.")

OPERATIONS = [
    Operation("/decisions/overdue", "GET", overdue,
              "Decisions whose follow-up date has passed with no \"we did\"", OVERDUE,
              errors=(401, 403),
              description=STAFF + " Across the organisation's campaigns that are not "
                          "archived, the longest overdue first."),
    Operation(CAMPAIGN_DECISIONS, "GET", list_decisions, "A campaign's decisions", LIST,
              errors=(401, 404),
              description="Anyone who can see the campaign; the latest decided first."),
    Operation(CAMPAIGN_DECISIONS, "POST", record_decision,
              "Record a decision, with its rung on the participation ladder", DECISION,
              request_body=RECORD_BODY, status=201, errors=BODY_ERRORS,
              description=RUNNERS + " The rung is suggested from who decided and what young "
                          "people took part in; choosing another needs a rung_reason. "
                          "Answers 201 with the decision." + PROBLEMS),
    Operation(ONE, "GET", get_decision, "A decision", DECISION, errors=(401, 404),
              description="Anyone who can see its campaign."),
    Operation(ONE, "PATCH", change_decision, "Change a decision before it is confirmed",
              DECISION, request_body=CHANGE_BODY, errors=BODY_ERRORS,
              description=RUNNERS + " Fields left out stay as they are. Once confirmed, a "
                          "decision changes only by an amendment (403)." + PROBLEMS),
    Operation(ONE + "/confirm", "POST", confirm_decision,
              "Confirm a decision and freeze its evidence snapshot", DECISION,
              errors=(401, 403, 404),
              description=STAFF + " The snapshot (how many young people took part, their "
                          "votes and comments, age bands, the polls' results) never changes "
                          "afterwards. Confirming a confirmed decision changes nothing."),
    Operation(ONE + "/amendments", "POST", amend_decision,
              "Amend a confirmed decision, saying why", AMENDED, request_body=AMEND_BODY,
              status=201, errors=BODY_ERRORS,
              description=STAFF + " Only after confirmation (403 before: change it "
                          "directly). The amendment keeps who, when, why, and each field's "
                          "old and new values; the snapshot stays as confirmed. Answers 201 "
                          "with the amendment and the decision. Problems with changes are "
                          "keyed `changes.<field>`."),
    Operation(ONE + "/we-did", "POST", publish_we_did,
              "Publish what was done: \"you said, we did\"", DECISION,
              request_body=WE_DID_BODY, errors=BODY_ERRORS,
              description=RUNNERS + " Once per decision (403 after). It goes in the "
                          "campaign's feed and reaches every open page of the campaign live "
                          "(decision.published). Young people being told can raise the "
                          "suggested rung before confirmation."),
]
