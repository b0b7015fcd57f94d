"""The JSON API's data rights: everything held about the token's owner, and erasing a young
person's own account (the same service functions as the pages)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts import login
from server.api.base import Operation, api_viewer, checked_body
from server.privacy import service
from server.web import passwords_ahead, read, write

LIST = {"type": "array", "items": {"type": "object"}}
TEXT_OR_NULL = {"type": ["string", "null"]}
PROFILE_FIELDS = ["username", "display_name", "age_band", "age_band_label", "created_at",
                  "last_active_at", "password_changed_at", "suspended_at", "suspended_reason"]
MEMBERSHIP_FIELDS = ["organisation", "role", "role_label", "joined_at",
                     "parent_or_carer_agreement_recorded_at"]
DATA: dict[str, Any] = {
    "type": "object",
    "description": "Everything the app holds about the token's owner, and nothing about "
                   "anyone else: other people appear only as ids.",
    "required": ["data_version", "generated_at", "profile", "membership", "campaigns",
                 "ballots", "comments", "reactions", "campaign_updates", "reports_made",
                 "worries_raised", "mutes", "logged_in_devices", "api_tokens"],
    "properties": {
        "data_version": {"type": "string"},
        "generated_at": {"type": "string", "format": "date-time"},
        "profile": {"type": "object", "required": PROFILE_FIELDS, "properties": {
            **{name: TEXT_OR_NULL for name in PROFILE_FIELDS},
            "username": {"type": "string"}, "display_name": {"type": "string"}}},
        "membership": {"type": "object", "required": MEMBERSHIP_FIELDS, "properties": {
            name: TEXT_OR_NULL for name in MEMBERSHIP_FIELDS}},
        **{name: LIST for name in ("campaigns", "ballots", "comments", "reactions",
                                   "campaign_updates", "reports_made", "worries_raised",
                                   "mutes", "logged_in_devices", "api_tokens")},
    },
}
ERASE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["password", "confirm"],
    "additionalProperties": False,
    "properties": {
        "password": {"type": "string", "maxLength": 1000,
                     "description": "The account's password, to check it is really them."},
        "confirm": {"type": "boolean",
                    "description": "true: they understand erasure cannot be undone."},
    },
}
ERASED: dict[str, Any] = {"type": "object", "required": ["erased"],
                          "properties": {"erased": {"type": "boolean", "const": True}}}


async def my_data(request: Request) -> Response:
    data = await read(request, service.my_data, actor=api_viewer(request))
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


async def erase_me(request: Request) -> Response:
    body = await checked_body(request, ERASE_BODY)
    actor = api_viewer(request)
    stored = await read(request, login.stored_hash, user_id=actor.user_id)
    ready = await passwords_ahead(request, check=[(stored, body["password"])])
    await write(request, service.erase_self, passwords=ready,
                actor=actor, password=body["password"],
                confirm="yes" if body["confirm"] is True else "")
    return JSONResponse({"erased": True})


OPERATIONS: list[Operation] = [
    Operation("/me/data", "GET", my_data, "Everything the app holds about me", DATA,
              description="The same data as the download on the My data page."),
    Operation("/me/erase", "POST", erase_me, "Erase my account (young people only)", ERASED,
              request_body=ERASE_BODY, errors=(400, 401, 403, 413, 422),
              description="Erases the token owner's account for good: their name, username, "
                          "password, sessions and tokens go; their votes stay counted without "
                          "their name. Staff accounts cannot be erased this way."),
]
