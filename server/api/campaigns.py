"""Campaigns over the JSON API: list, start, read, change, join, and record progress.

Thin, like the pages: check the body's shape against the documented schema, call the same
campaign service functions the pages call, and answer with the campaign as JSON. A request
that changes several things does them in one transaction: when any part fails, nothing
changes.
"""

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts.sessions import Viewer
from server.api.base import PREFIX, Operation, api_viewer, checked_body
from server.campaigns import service, team
from server.campaigns.models import Status
from server.campaigns.routes import join_link
from server.errors import InvalidInput
from server.web import path_int, read, write

# ---------------------------------------------------------------- schemas

NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}
TIMESTAMP_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
DATE_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
STATUS: dict[str, Any] = {"type": "string", "enum": [str(s) for s in Status]}
ROLE_OR_NULL: dict[str, Any] = {"type": ["string", "null"],
                                "enum": ["lead", "member", "facilitator", None],
                                "description": "Your role in the campaign; null if you are "
                                               "not in it."}

GOAL_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string", "description": f"Up to {team.TITLE_MAX} characters."},
    "issue": {"type": "string",
              "description": f"The issue in your own words, up to {team.ISSUE_MAX:,} "
                             "characters."},
    "deadline": {**DATE_OR_NULL,
                 "description": "T: a date in the future, like 2027-03-31."},
    "exact": {"type": "string",
              "description": "E: what exactly will be different when it is achieved, up to "
                             f"{team.EXACT_MAX} characters."},
    "measure_what": {"type": "string", "description": "M: what is counted."},
    "measure_unit": {"type": "string", "description": "M: its unit, like \"students\"."},
    "measure_target": {**NUMBER_OR_NULL, "description": "M: the number you are aiming for."},
    "measure_current": {"type": "number", "description": "M: the value now."},
}
GOAL_FIELDS = tuple(GOAL_PROPERTIES)

STEP_TEXTS: dict[str, Any] = {
    "type": "array", "items": {"type": "string"},
    "description": f"Plan steps, owned by you; up to {service.MAX_STEPS} in a plan.",
}

CREATE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "additionalProperties": False,
    "properties": {**GOAL_PROPERTIES, "steps": STEP_TEXTS},
}

STAKEHOLDER_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "description": "A name or a role: \"Course manager\"."},
    "organisation": {"type": "string"},
    "notes": {"type": "string", "description": "Notes on contact with them."},
}

PATCH_BODY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **GOAL_PROPERTIES,
        "add_steps": {**STEP_TEXTS, "description": "Steps to add to the plan, owned by you."},
        "status": {"type": "string", "enum": ["live", "achieved", "closed"],
                   "description": "live takes a draft live (all four TEAM letters must be "
                                  "met); achieved or closed ends it, with a "
                                  "closing_statement."},
        "closing_statement": {"type": "string",
                              "description": "What happened, for everyone who took part."},
        "archived": {"type": "boolean",
                     "description": "Youth workers and admins only. An archived campaign "
                                    "can be read but not changed; nothing is deleted."},
        "stakeholders": {
            "type": "object",
            "additionalProperties": False,
            "description": "The people with power the campaign needs to reach.",
            "properties": {
                "add": {"type": "array", "items": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": STAKEHOLDER_FIELDS}},
                "change": {"type": "array", "items": {
                    "type": "object", "required": ["id"], "additionalProperties": False,
                    "properties": {"id": {"type": "integer"}, **STAKEHOLDER_FIELDS}}},
                "remove": {"type": "array", "items": {"type": "integer"},
                           "description": "Ids of people to take off the list."},
            },
        },
    },
}

JOIN_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {"code": {"type": "string",
                            "description": "The campaign's join code, like KDX-4RT; case, "
                                           "spaces and dashes do not matter."}},
}

PROGRESS_BODY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "measure": {**NUMBER_OR_NULL,
                    "description": "A new value for the measure (leads). Every value is kept "
                                   "in the measure's history."},
        "steps": {"type": "array", "items": {
            "type": "object", "required": ["id", "done"], "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "done": {"type": "boolean"}}},
            "description": "Steps ticked or unticked: leads tick any step, members the "
                           "steps they own."},
        "update": {"type": "string",
                   "description": "Words for the campaign's feed (leads and facilitators)."},
    },
}

SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "status", "my_role", "deadline", "progress", "members",
                 "new_items", "archived"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": STATUS,
        "my_role": ROLE_OR_NULL,
        "deadline": DATE_OR_NULL,
        "progress": {**NUMBER_OR_NULL,
                     "description": "From the first value toward the target, 0 to 1; null "
                                    "without a target."},
        "members": {"type": "integer"},
        "new_items": {"type": "integer",
                      "description": "Feed items since you last opened the campaign."},
        "archived": {"type": "boolean"},
    },
}

LIST: dict[str, Any] = {
    "type": "object",
    "required": ["campaigns"],
    "properties": {"campaigns": {"type": "array", "items": SUMMARY}},
}

PERMISSIONS: dict[str, Any] = {
    "type": "object",
    "description": "What you may do in this campaign now.",
    "required": list(service.Permissions.__dataclass_fields__),
    "properties": {name: {"type": "boolean"}
                   for name in service.Permissions.__dataclass_fields__},
}

CAMPAIGN: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "issue", "status", "deadline", "exact", "measure_what",
                 "measure_unit", "measure_target", "measure_current", "team", "ready",
                 "steps", "stakeholders", "measure_history", "progress", "days_left",
                 "people", "join_code", "join_url", "closing_statement", "feed", "my_role",
                 "permissions", "archived", "created_at", "updated_at", "live_at",
                 "ended_at"],
    "properties": {
        "id": {"type": "integer"},
        **{name: {key: value for key, value in schema.items() if key != "description"}
           for name, schema in GOAL_PROPERTIES.items()},
        "status": STATUS,
        "team": {
            "type": "array",
            "description": "The four TEAM letters, each met or not, with what to do when "
                           "it is not.",
            "items": {
                "type": "object",
                "required": ["letter", "name", "met", "problem"],
                "properties": {
                    "letter": {"type": "string", "enum": ["T", "E", "A", "M"]},
                    "name": {"type": "string"},
                    "met": {"type": "boolean"},
                    "problem": {"type": "string"},
                },
            },
        },
        "ready": {"type": "boolean", "description": "All four letters are met."},
        "steps": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "text", "owner_id", "owner_name", "done"],
            "properties": {
                "id": {"type": "integer"},
                "text": {"type": "string"},
                "owner_id": {"type": ["integer", "null"]},
                "owner_name": {"type": "string"},
                "done": {"type": "boolean"},
            },
        }},
        "stakeholders": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "name", "organisation", "notes"],
            "properties": {"id": {"type": "integer"}, **STAKEHOLDER_FIELDS},
        }},
        "measure_history": {"type": "array", "items": {
            "type": "object",
            "required": ["value", "recorded_at"],
            "properties": {"value": {"type": "number"}, "recorded_at": TIMESTAMP},
        }},
        "progress": NUMBER_OR_NULL,
        "days_left": {"type": ["integer", "null"]},
        "people": {
            "type": ["array", "null"],
            "description": "Who is in the campaign; null unless you are in it or are staff.",
            "items": {
                "type": "object",
                "required": ["user_id", "display_name", "role", "joined_at"],
                "properties": {
                    "user_id": {"type": "integer"},
                    "display_name": {"type": "string"},
                    "role": {"type": "string", "enum": ["lead", "member", "facilitator"]},
                    "joined_at": TIMESTAMP,
                },
            },
        },
        "join_code": {"type": ["string", "null"],
                      "description": "Only for the campaign's members, while it is live."},
        "join_url": {"type": ["string", "null"],
                     "description": "The join link (also in the campaign's QR code), when "
                                    "join_code is shown."},
        "closing_statement": {"type": "string"},
        "feed": {
            "type": "array",
            "description": f"The newest {service.FEED_PAGE} items, newest first.",
            "items": {
                "type": "object",
                "required": ["id", "kind", "author_id", "author_name", "text", "created_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string"},
                    "author_id": {"type": ["integer", "null"]},
                    "author_name": {"type": "string"},
                    "text": {"type": "string"},
                    "created_at": TIMESTAMP,
                },
            },
        },
        "my_role": ROLE_OR_NULL,
        "permissions": PERMISSIONS,
        "archived": {"type": "boolean"},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "live_at": TIMESTAMP_OR_NULL,
        "ended_at": TIMESTAMP_OR_NULL,
    },
}

# ---------------------------------------------------------------- JSON out


def _summary(summary: service.Summary) -> dict[str, Any]:
    c = summary.campaign
    return {
        "id": c.id,
        "title": c.title,
        "status": c.status,
        "my_role": summary.my_role,
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "progress": summary.progress,
        "members": summary.members,
        "new_items": summary.new_items,
        "archived": c.archived_at is not None,
    }


def _campaign(request: Request, actor: Viewer, view: service.CampaignView) -> dict[str, Any]:
    c = view.campaign
    can = service.permissions(actor, view)
    code = c.join_code if view.my_role is not None and c.status == Status.live else None
    return {
        "id": c.id,
        "title": c.title,
        "issue": c.issue,
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "exact": c.exact,
        "measure_what": c.measure_what,
        "measure_unit": c.measure_unit,
        "measure_target": c.measure_target,
        "measure_current": c.measure_current,
        "status": c.status,
        "team": [{"letter": letter.key, "name": letter.name, "met": letter.met,
                  "problem": letter.problem} for letter in view.letters],
        "ready": view.ready,
        "steps": [{"id": s.step.id, "text": s.step.text, "owner_id": s.step.owner_id,
                   "owner_name": s.owner_name, "done": s.step.done_at is not None}
                  for s in view.steps],
        "stakeholders": [{"id": s.id, "name": s.name, "organisation": s.organisation,
                          "notes": s.notes} for s in view.stakeholders],
        "measure_history": [{"value": r.value, "recorded_at": r.recorded_at.isoformat()}
                            for r in view.readings],
        "progress": view.progress,
        "days_left": view.days_left,
        "people": [{"user_id": p.user_id, "display_name": p.display_name, "role": p.role,
                    "joined_at": p.joined_at.isoformat()} for p in view.people]
        if can.view_members else None,
        "join_code": code,
        "join_url": join_link(request, code) if code else None,
        "closing_statement": c.closing_statement,
        "feed": [{"id": f.item.id, "kind": f.item.kind, "author_id": f.item.author_id,
                  "author_name": f.author_name, "text": f.item.text,
                  "created_at": f.item.created_at.isoformat()} for f in view.feed],
        "my_role": view.my_role,
        "permissions": {name: getattr(can, name)
                        for name in service.Permissions.__dataclass_fields__},
        "archived": c.archived_at is not None,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "live_at": c.live_at.isoformat() if c.live_at else None,
        "ended_at": c.ended_at.isoformat() if c.ended_at else None,
    }


# ---------------------------------------------------------------- composing service calls


def _renamed(problem: InvalidInput, names: Mapping[str, str] | Callable[[str], str],
             ) -> InvalidInput:
    """The service's field names as the API calls them."""
    rename = names if callable(names) else (lambda key: names.get(key, key))
    return InvalidInput({rename(key): message for key, message in problem.errors.items()})


def _step_field(prefix: str) -> Callable[[str], str]:
    def rename(key: str) -> str:
        if key.startswith("step_") and key[5:].isdigit():
            return f"{prefix}[{key[5:]}]"
        return prefix if key == "steps" else key

    return rename


def _create(session: Session, *, actor: Viewer, body: dict[str, Any]) -> service.CampaignView:
    data = {name: body[name] for name in GOAL_FIELDS if name in body}
    try:
        campaign = service.create_campaign(session, actor=actor, data=data,
                                           steps=body.get("steps", []))
    except InvalidInput as problem:
        raise _renamed(problem, _step_field("steps")) from None
    assert campaign.id is not None
    return service.get_campaign(session, actor=actor, campaign_id=campaign.id)


def _prefixed(prefix: str, problem: InvalidInput) -> InvalidInput:
    return InvalidInput({f"{prefix}.{key}": message for key, message in problem.errors.items()})


def _stakeholders(session: Session, actor: Viewer, campaign_id: int,
                  changes: dict[str, Any]) -> None:
    for index, item in enumerate(changes.get("add", [])):
        try:
            service.add_stakeholder(session, actor=actor, campaign_id=campaign_id, data=item)
        except InvalidInput as problem:
            raise _prefixed(f"stakeholders.add[{index}]", problem) from None
    for index, item in enumerate(changes.get("change", [])):
        fields = {key: value for key, value in item.items() if key != "id"}
        try:
            service.update_stakeholder(session, actor=actor, campaign_id=campaign_id,
                                       stakeholder_id=item["id"], data=fields)
        except InvalidInput as problem:
            raise _prefixed(f"stakeholders.change[{index}]", problem) from None
    for stakeholder_id in changes.get("remove", []):
        service.remove_stakeholder(session, actor=actor, campaign_id=campaign_id,
                                   stakeholder_id=stakeholder_id)


def _change(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any],
            ) -> service.CampaignView:
    """Every change in the body, in one transaction: the caller's."""
    status, statement = body.get("status"), body.get("closing_statement")
    if statement is not None and status not in ("achieved", "closed"):
        raise InvalidInput({"closing_statement": "Send the closing statement with status "
                                                 "achieved or closed."})
    if body.get("archived") is False:  # out of the archive first, so it can be changed
        service.set_archived(session, actor=actor, campaign_id=campaign_id, archived=False)
    goal = {name: body[name] for name in GOAL_FIELDS if name in body}
    if goal or body.get("add_steps"):
        try:
            service.update_goal(session, actor=actor, campaign_id=campaign_id, data=goal,
                                steps=body.get("add_steps", []))
        except InvalidInput as problem:
            raise _renamed(problem, _step_field("add_steps")) from None
    if "stakeholders" in body:
        _stakeholders(session, actor, campaign_id, body["stakeholders"])
    if status is not None:
        current = service.get_campaign(session, actor=actor, campaign_id=campaign_id).campaign
        if status == "live" and current.status != Status.live:
            service.go_live(session, actor=actor, campaign_id=campaign_id)
        elif status != "live" and (current.status != status or statement is not None):
            try:
                service.end_campaign(session, actor=actor, campaign_id=campaign_id,
                                     outcome=status, statement=statement or "")
            except InvalidInput as problem:
                raise _renamed(problem, {"outcome": "status",
                                         "statement": "closing_statement"}) from None
    if body.get("archived") is True:  # last, as an archived campaign cannot be changed
        service.set_archived(session, actor=actor, campaign_id=campaign_id, archived=True)
    return service.get_campaign(session, actor=actor, campaign_id=campaign_id)


def _join(session: Session, *, actor: Viewer, code: str) -> service.CampaignView:
    campaign = service.join(session, actor=actor, code=code)
    assert campaign.id is not None
    return service.get_campaign(session, actor=actor, campaign_id=campaign.id)


def _progress(session: Session, *, actor: Viewer, campaign_id: int, body: dict[str, Any],
              ) -> service.CampaignView:
    known = {view.step.id for view in
             service.get_campaign(session, actor=actor, campaign_id=campaign_id).steps}
    changes = body.get("steps", [])
    unknown = {f"steps[{index}].id": f"There is no step {item['id']} in this campaign."
               for index, item in enumerate(changes) if item["id"] not in known}
    if unknown:
        raise InvalidInput(unknown)
    service.record_progress(session, actor=actor, campaign_id=campaign_id,
                            measure=body.get("measure"),
                            steps={item["id"]: item["done"] for item in changes},
                            update=body.get("update", ""))
    return service.get_campaign(session, actor=actor, campaign_id=campaign_id)


# ---------------------------------------------------------------- endpoints


def _cid(request: Request) -> int:
    return path_int(request, "campaign_id")


async def list_campaigns(request: Request) -> Response:
    actor = api_viewer(request)
    summaries = await read(request, service.list_campaigns, actor=actor,
                           include_archived=actor.is_staff)
    return JSONResponse({"campaigns": [_summary(s) for s in summaries]})


async def create_campaign(request: Request) -> Response:
    actor = api_viewer(request)
    body = await checked_body(request, CREATE_BODY)
    view = await write(request, _create, actor=actor, body=body)
    return JSONResponse(_campaign(request, actor, view), status_code=201,
                        headers={"Location": f"{PREFIX}/campaigns/{view.campaign.id}"})


async def get_campaign(request: Request) -> Response:
    actor, campaign_id = api_viewer(request), _cid(request)
    before = request.query_params.get("before", "")
    view = await read(request, service.get_campaign, actor=actor, campaign_id=campaign_id,
                      feed_before=int(before) if before.isdigit() else None)
    if view.my_role is not None:
        await write(request, service.mark_seen, actor=actor, campaign_id=campaign_id)
    return JSONResponse(_campaign(request, actor, view))


async def change_campaign(request: Request) -> Response:
    actor, campaign_id = api_viewer(request), _cid(request)
    body = await checked_body(request, PATCH_BODY)
    view = await write(request, _change, actor=actor, campaign_id=campaign_id, body=body)
    return JSONResponse(_campaign(request, actor, view))


async def join_campaign(request: Request) -> Response:
    actor = api_viewer(request)
    body = await checked_body(request, JOIN_BODY)
    view = await write(request, _join, actor=actor, code=body.get("code", ""))
    return JSONResponse(_campaign(request, actor, view))


async def record_progress(request: Request) -> Response:
    actor, campaign_id = api_viewer(request), _cid(request)
    body = await checked_body(request, PROGRESS_BODY)
    view = await write(request, _progress, actor=actor, campaign_id=campaign_id, body=body)
    return JSONResponse(_campaign(request, actor, view))


ONE = "/campaigns/{campaign_id:int}"
BODY_ERRORS = (400, 401, 403, 404, 413, 422)

OPERATIONS = [
    Operation("/campaigns", "GET", list_campaigns,
              "The campaigns you can see in your organisation", LIST,
              description="Young people see live and ended campaigns, and drafts they are "
                          "in; youth workers and admins see every campaign, archived ones "
                          "too."),
    Operation("/campaigns", "POST", create_campaign,
              "Start a campaign as a draft, with you as its lead", CAMPAIGN,
              request_body=CREATE_BODY, status=201, errors=(400, 401, 403, 413, 422),
              description="Parts of the TEAM goal may be missing from a draft; `team` says "
                          "which letters are met. Youth workers cannot start campaigns, and "
                          "an under-13 needs a parent's or carer's agreement first."),
    Operation("/campaigns/join", "POST", join_campaign,
              "Join a live campaign in your organisation with its code", CAMPAIGN,
              request_body=JOIN_BODY, errors=(400, 401, 403, 413, 422)),
    Operation(ONE, "GET", get_campaign, "A campaign: its TEAM goal, plan, people and feed",
              CAMPAIGN, errors=(401, 404),
              query=({"name": "before", "required": False, "schema": {"type": "integer"},
                      "description": "Feed items older than this feed item id."},),
              description="Opening a campaign you are in marks its feed as seen."),
    Operation(ONE, "PATCH", change_campaign,
              "Change a campaign's goal, plan, people with power, status or archive",
              CAMPAIGN, request_body=PATCH_BODY, errors=BODY_ERRORS,
              description="Everything in one request happens together: if any part is "
                          "refused, nothing changes."),
    Operation(ONE + "/progress", "POST", record_progress,
              "Record progress: a new measure value, steps ticked, an update for the feed",
              CAMPAIGN, request_body=PROGRESS_BODY, errors=BODY_ERRORS),
]
