"""The organisation's evidence over the JSON API: the same filtered evidence as the dashboard,
as the versioned JSON document (docs/evidence-schema.md) or as a CSV, XLSX or PDF file.

Thin: read the filter with `evidence.read_filter`, gather with `evidence.gather`, and answer
with `evidence_data` or one of `exports`. Youth workers and organisation admins only.
"""

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts.models import AgeBand
from server.accounts.sessions import Viewer
from server.api import polls as poll_api
from server.api.base import Operation, api_viewer
from server.errors import InvalidInput
from server.ladder import decisions, evidence, exports
from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS, DecidedBy
from server.web import read

# ---------------------------------------------------------------- schemas

TEXT: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
DATE_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time"}
RUNG: dict[str, Any] = {"type": "string", "enum": [str(rung) for rung in RUNGS],
                        "description": "A rung of the ladder (see GET /ladder)."}
BANDS = [str(band) for band in AgeBand] + [decisions.NOT_GIVEN]


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"type": "object", "required": list(properties),
                             "properties": properties}
    if description:
        found["description"] = description
    return found


AGE_BANDS = _object({band: INTEGER for band in BANDS},
                    "Distinct young people by age band; not_given when they gave none.")
PER_RUNG = _object({str(rung): INTEGER for rung in RUNGS}, "Decisions at each rung.")

TOTALS = _object({
    "decisions": {**INTEGER, "description": "Decisions in the filter."},
    "per_rung": PER_RUNG,
    "at_least_participation": {**INTEGER,
                               "description": "Decisions at Participation or above."},
    "share_at_least_participation": {
        "type": ["number", "null"],
        "description": "at_least_participation / decisions, from 0 to 1, rounded to 4 places; "
                       "null when there are no decisions."},
    "young_people": {**INTEGER, "description": "Distinct young people across these "
                                               "decisions, each counted once."},
    "age_bands": AGE_BANDS,
})

SNAPSHOT_POLL: dict[str, Any] = {
    **poll_api.RESULTS,
    "description": "A linked poll's results (frozen when the decision was confirmed), "
                   "without who voted.",
    "required": ["question", *poll_api.RESULTS["required"]],
    "properties": {"question": TEXT, **poll_api.RESULTS["properties"]},
}

LUNDY = _object({str(element): _object({
    "met": {"type": ["boolean", "null"], "description": "null while unanswered."},
    "note": TEXT}, element.question) for element in LUNDY_ELEMENTS},
    "The Lundy model check: Space, Voice, Audience, Influence.")

AMENDMENT = _object({
    "at": TIMESTAMP,
    "by": {**TEXT, "description": "The youth worker or admin who amended it."},
    "reason": {**TEXT, "description": "Why it was changed."},
    "changes": {"type": "object", "description": "Each changed field: [old value, new value].",
                "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2}},
})

DECISION = _object({
    "id": INTEGER,
    "campaign": _object({"id": INTEGER, "title": TEXT}),
    "title": {**TEXT, "description": "What was decided."},
    "details": TEXT,
    "decided_on": DATE,
    "decided_by": {"type": "string", "enum": [str(who) for who in DecidedBy]},
    "decided_by_label": TEXT,
    "decision_maker": {**TEXT, "description": "The stakeholder who made it (a role, like "
                                              "\"Course manager, City College\"), or \"\"."},
    "rung": RUNG,
    "rung_label": TEXT,
    "rung_rank": {**INTEGER, "minimum": 1, "maximum": len(RUNGS)},
    "suggested_rung": RUNG,
    "rung_reason": {**TEXT, "description": "Why the rung is not the suggested one, or \"\"."},
    "at_least_participation": {"type": "boolean"},
    "you_said": TEXT,
    "we_did": {**TEXT, "description": "What was done, once published; \"\" before."},
    "we_did_published_on": DATE_OR_NULL,
    "follow_up_on": DATE_OR_NULL,
    "lundy": LUNDY,
    "confirmed": {"type": "boolean",
                  "description": "A youth worker or admin confirmed it: its involvement is "
                                 "frozen."},
    "confirmed_on": DATE_OR_NULL,
    "confirmed_by": {"type": ["string", "null"]},
    "involvement": _object({
        "young_people": INTEGER, "ballots": INTEGER, "comments": INTEGER,
        "age_bands": AGE_BANDS,
        "frozen": {"type": "boolean", "description": "true: the confirmed snapshot; false: "
                                                     "counted now."}},
        "How young people took part: counts only, never a name."),
    "polls": {"type": "array", "items": SNAPSHOT_POLL},
    "amendments": {"type": "array", "items": AMENDMENT,
                   "description": "Changes after confirmation, oldest first."},
}, "A decision as evidence: never a young person's name.")

EVIDENCE = _object({
    "schema_version": {**TEXT, "enum": [evidence.SCHEMA_VERSION],
                       "description": "The version of this document (docs/evidence-schema.md)."},
    "organisation": TEXT,
    "generated_at": TIMESTAMP,
    "filter": _object({
        "from": DATE_OR_NULL, "to": DATE_OR_NULL,
        "campaign": {"type": ["object", "null"], "required": ["id", "title"],
                     "properties": {"id": INTEGER, "title": TEXT}},
        "period": {**TEXT, "description": "The period in words, like \"1 January 2027 to 31 "
                                          "March 2027\"."}}),
    "rungs": {"type": "array", "description": "The ladder, lowest rung first.",
              "items": _object({"value": RUNG, "name": TEXT, "rank": INTEGER})},
    "age_bands": {"type": "array", "description": "Every age band counted, in order.",
                  "items": _object({"value": {"type": "string", "enum": BANDS},
                                    "name": TEXT})},
    "totals": TOTALS,
    "months": {"type": "array",
               "description": "Decisions per rung in every month from the first decision's to "
                              "the last's, empty months included.",
               "items": _object({"month": {**TEXT, "description": "YYYY-MM"},
                                 "per_rung": PER_RUNG})},
    "campaigns": {"type": "array", "description": "The same totals for each campaign.",
                  "items": _object({"id": INTEGER, "title": TEXT, "totals": TOTALS})},
    "decisions": {"type": "array", "items": DECISION,
                  "description": "Decided in the period, oldest first."},
}, "The organisation's evidence, version 1.0: counts and age bands, never a young person's "
   "name.")

FILE: dict[str, Any] = {"type": "string", "format": "binary"}
MEDIA: tuple[tuple[str, dict[str, Any]], ...] = tuple(
    (media.partition(";")[0], {**FILE, "description": f"format={fmt}"})
    for fmt, (media, _extension) in exports.FORMATS.items() if fmt != "json")

QUERY: tuple[dict[str, Any], ...] = (
    {"name": "from", "required": False, "schema": DATE,
     "description": "The first day (decided on or after), like 2027-01-01."},
    {"name": "to", "required": False, "schema": DATE,
     "description": "The last day (decided on or before), like 2027-03-31."},
    {"name": "campaign", "required": False, "schema": INTEGER,
     "description": "Only this campaign's decisions; 404 for another organisation's."},
    {"name": "format", "required": False,
     "schema": {"type": "string", "enum": list(exports.FORMATS), "default": "json"},
     "description": "json (this document), or a file: csv, xlsx or pdf (an evidence pack)."},
)


# ---------------------------------------------------------------- the endpoint


def _gather(session: Session, *, actor: Viewer, params: dict[str, str],
            fmt: str | None) -> evidence.Evidence:
    try:
        wanted = evidence.read_filter(session, actor, params)
    except InvalidInput as refused:
        if fmt is None:
            raise InvalidInput({**refused.errors, "format": exports.UNKNOWN_FORMAT}) from None
        raise
    if fmt is None:
        raise InvalidInput({"format": exports.UNKNOWN_FORMAT})
    return evidence.gather(session, actor, wanted)


async def get_evidence(request: Request) -> Response:
    params = dict(request.query_params)
    fmt = exports.read_format(params.get("format"))
    found = await read(request, _gather, actor=api_viewer(request), params=params, fmt=fmt)
    if fmt == "json":
        return JSONResponse(evidence.evidence_data(found))
    assert fmt is not None
    body, media_type, name = exports.export(found, fmt)
    return Response(body, media_type=media_type, headers=exports.attachment(name))


OPERATIONS: list[Operation] = [
    Operation("/evidence", "GET", get_evidence,
              "The organisation's evidence: decisions, rungs and young people counted",
              EVIDENCE, errors=(401, 403, 404, 422), query=QUERY, media=MEDIA,
              description="Youth workers and organisation admins only (403 for young people). "
                          "Decisions decided in the period (both days included), in one "
                          "campaign or all of them, with their rung, story, Lundy check, "
                          "amendments and the young people involved, counted by age band and "
                          "never named. format=csv, xlsx or pdf answers with the same "
                          "evidence as a file to save (Content-Disposition: attachment). A "
                          "date that is not a date, a last day before the first, or an "
                          "unknown format is 422, each problem listed by its parameter."),
]
