"""The JSON API, /api/v1, over the same services as the pages."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from server.api import campaigns, comments, decisions, events, evidence, ladder, moderation, polls
from server.api.base import PREFIX, Operation, api_viewer
from server.api.openapi import document
from server.privacy import api as privacy_api

ME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "username", "display_name", "role", "age_band", "can_post",
                 "organisation"],
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"type": "string", "enum": ["young_person", "youth_worker", "org_admin"]},
        "age_band": {"type": ["string", "null"],
                     "enum": ["under_13", "13_15", "16_17", "18_25", "over_25", None]},
        "can_post": {"type": "boolean",
                     "description": "False for an under-13 until a parent's or carer's "
                                    "agreement is recorded."},
        "organisation": {
            "type": "object",
            "required": ["slug", "name"],
            "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
        },
    },
}


async def me(request: Request) -> Response:
    viewer = api_viewer(request)
    return JSONResponse({
        "id": viewer.user_id,
        "username": viewer.username,
        "display_name": viewer.display_name,
        "role": str(viewer.role),
        "age_band": str(viewer.age_band) if viewer.age_band else None,
        "can_post": viewer.can_post,
        "organisation": {"slug": viewer.org_slug, "name": viewer.org_name},
    })


async def openapi(request: Request) -> Response:
    return JSONResponse(document(OPERATIONS))


OPERATIONS: list[Operation] = [
    Operation("/me", "GET", me, "Who the token belongs to, their role and organisation",
              ME_SCHEMA),
    Operation("/openapi.json", "GET", openapi, "This document", {"type": "object"},
              authenticated=False, errors=()),
    *campaigns.OPERATIONS,
    *polls.OPERATIONS,
    *comments.OPERATIONS,
    *moderation.OPERATIONS,
    *events.OPERATIONS,
    *ladder.OPERATIONS,
    *decisions.OPERATIONS,
    *evidence.OPERATIONS,
    *privacy_api.OPERATIONS,
]

mount = Mount(PREFIX, routes=[operation.route() for operation in OPERATIONS])
