"""The participation ladder over the JSON API: its six rungs and the Lundy model's questions,
so a client can show them in the same words as the pages."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.api.base import Operation
from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS

RUNG: dict[str, Any] = {
    "type": "object",
    "required": ["value", "name", "meaning", "for_young_people", "rank"],
    "properties": {
        "value": {"type": "string", "enum": [str(rung) for rung in RUNGS],
                  "description": "What decisions and exports call this rung."},
        "name": {"type": "string", "description": "Its name, like \"Sharing Power\"."},
        "meaning": {"type": "string", "description": "What the rung means."},
        "for_young_people": {"type": "string",
                             "description": "The same in words a 12-year-old understands."},
        "rank": {"type": "integer", "minimum": 1, "maximum": len(RUNGS),
                 "description": f"1 for the lowest rung up to {len(RUNGS)} for the highest."},
    },
}

LUNDY: dict[str, Any] = {
    "type": "object",
    "required": ["value", "name", "question"],
    "properties": {
        "value": {"type": "string", "enum": [str(element) for element in LUNDY_ELEMENTS]},
        "name": {"type": "string"},
        "question": {"type": "string",
                     "description": "What to ask of a decision for this element."},
    },
}

LADDER: dict[str, Any] = {
    "type": "object",
    "required": ["rungs", "lundy"],
    "properties": {
        "rungs": {"type": "array", "items": RUNG,
                  "description": "All six rungs, lowest (No Control) to highest (Full Control)."},
        "lundy": {"type": "array", "items": LUNDY,
                  "description": "The Lundy model: Space, Voice, Audience and Influence, in "
                                 "that order."},
    },
}


def ladder_data() -> dict[str, Any]:
    return {
        "rungs": [{"value": str(rung), "name": rung.label, "meaning": rung.meaning,
                   "for_young_people": rung.for_young_people, "rank": rung.rank}
                  for rung in RUNGS],
        "lundy": [{"value": str(element), "name": element.label, "question": element.question}
                  for element in LUNDY_ELEMENTS],
    }


async def ladder(request: Request) -> Response:
    return JSONResponse(ladder_data())


OPERATIONS: list[Operation] = [
    Operation("/ladder", "GET", ladder, "The participation ladder and the Lundy model", LADDER,
              description="The same for everyone with a token: the rungs a decision can be "
                          "recorded at, and the four questions each decision can be checked "
                          "against."),
]
